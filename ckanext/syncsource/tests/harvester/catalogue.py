"""Source catalogues for the harvester tests, in the legacy REST form."""

from __future__ import annotations

from typing import Any


def dataset(
    source_id: str,
    org: str | None = "org-a",
    groups: tuple[str, ...] = (),
    resources: int = 1,
    **fields: Any,
) -> dict[str, Any]:
    """A source dataset named after its id, with `resources` CSV resources."""
    content = {
        "name": f"ds-{source_id}",
        "title": f"Dataset {source_id}",
        "notes": f"About {source_id}.",
        "tags": ["sync", f"tag-{source_id}"],
        "extras": {"origin": "catalogue"},
        "groups": list(groups),
        "resources": [
            {
                "id": f"{source_id}-r{number}",
                "name": f"Table {number}",
                "url": f"https://data.example.org/{source_id}/{number}.csv",
                "format": "CSV",
            }
            for number in range(resources)
        ],
    }
    if org is not None:
        content["owner_org"] = org
    content.update(fields)
    return content


def datasets(*source_ids: str, **kwargs: Any) -> dict[str, dict[str, Any]]:
    return {source_id: dataset(source_id, **kwargs) for source_id in source_ids}


def org(title: str, **fields: Any) -> dict[str, Any]:
    return {"title": title, "description": f"{title}, described.", **fields}
