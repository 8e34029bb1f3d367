"""Deterministic catalogue generator for the benchmarks (pure: no CKAN, no database).

A catalogue is organizations, groups and datasets in the legacy REST form the syncsource
harvester reads (`extras` as a dict, `tags` as strings, `groups` as names, `owner_org` as an
organization key). Dataset number `i` of seed `s` is always the same dataset, whatever N is,
so a 100,000-dataset JSON Lines file is written one dataset at a time without holding the
catalogue in memory.

`next_day` gives the catalogue of the following day: a share of datasets edited, a share
removed and a share added.
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WORDS = (  # noqa: SIM905 (90 words read better as text)
    "air quality water river flood budget school hospital traffic road rail bus station "
    "population census income housing rent energy electricity gas emission carbon waste "
    "recycling park tree forest soil crop farm fishery coast harbour port airport "
    "tourism museum library crime police fire ambulance election vote council tax "
    "spending contract procurement grant business employment wage price inflation trade "
    "export import health vaccination disease mortality birth migration language "
    "education university student teacher noise light parking bicycle pedestrian "
    "accident weather temperature rainfall wind solar heat map boundary district ward "
    "parcel address building permit zoning"
).split()

FORMATS = (
    ("CSV", "text/csv", "csv"),
    ("JSON", "application/json", "json"),
    ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    ("GeoJSON", "application/geo+json", "geojson"),
    ("PDF", "application/pdf", "pdf"),
    ("XML", "application/xml", "xml"),
)
LICENSES = ("cc-by", "cc-by-sa", "cc-zero", "odc-odbl", "odc-by", "other-open", "notspecified")
FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "yearly", "irregular")
EXTRA_KEYS = (
    "source_system",
    "spatial_coverage",
    "temporal_coverage_from",
    "temporal_coverage_to",
    "update_frequency",
    "language",
    "contact_phone",
    "data_quality",
    "identifier",
    "theme",
    "keywords_original",
    "landing_page",
)


def organization_count(n: int) -> int:
    return max(5, min(200, n // 200))


def group_count(n: int) -> int:
    return max(5, min(50, n // 500))


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    return " ".join(words).capitalize() + "."


def _text(rng: random.Random, sentences: tuple[int, int]) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(*sentences)))


def make_organization(index: int, seed: int = 0) -> dict[str, Any]:
    rng = random.Random(f"{seed}:org:{index}")
    topic = " ".join(rng.choice(WORDS) for _ in range(2))
    name = f"org-{index:04d}-{topic.replace(' ', '-')}"
    return {
        "name": name,
        "title": f"Department of {topic.title()} ({index})",
        "description": _text(rng, (2, 4)),
        "image_url": f"https://img.example.org/org/{index}.png",
    }


def make_group(index: int, seed: int = 0) -> dict[str, Any]:
    rng = random.Random(f"{seed}:group:{index}")
    topic = rng.choice(WORDS)
    return {
        "name": f"group-{index:03d}-{topic}",
        "title": f"{topic.title()} and society ({index})",
        "description": _text(rng, (1, 3)),
    }


def make_dataset(
    index: int, seed: int, org_names: list[str], group_names: list[str]
) -> dict[str, Any]:
    """Dataset number `index`: 2-5 resources, 8-12 extras, 3-8 tags, 0-3 groups."""
    rng = random.Random(f"{seed}:dataset:{index}")
    topic = [rng.choice(WORDS) for _ in range(rng.randint(2, 4))]
    title = " ".join(topic).title() + f" {2000 + rng.randint(0, 25)}"
    org = org_names[rng.randrange(len(org_names))]
    source_id = f"src-{seed}-{index:07d}"
    resources = []
    for r in range(rng.randint(2, 5)):
        fmt, mimetype, ext = rng.choice(FORMATS)
        resources.append(
            {
                "id": f"{source_id}-r{r}",
                "name": f"{title} ({fmt}, part {r + 1})",
                "url": f"https://files.example.org/{org}/{index}/data-{r}.{ext}",
                "format": fmt,
                "mimetype": mimetype,
                "description": _text(rng, (1, 3)),
                "size": rng.randint(1_000, 50_000_000),
            }
        )
    extras = {
        key: _extra_value(rng, key, index)
        for key in rng.sample(EXTRA_KEYS, rng.randint(8, len(EXTRA_KEYS) - 2))
    }
    return {
        "id": source_id,
        "name": f"{'-'.join(topic)}-{index:07d}",
        "title": title,
        "notes": _text(rng, (3, 10)),
        "author": f"{rng.choice(WORDS).title()} Team",
        "author_email": f"team-{index % 97}@example.org",
        "maintainer": f"{rng.choice(WORDS).title()} Office",
        "maintainer_email": f"data-{index % 89}@example.org",
        "license_id": rng.choice(LICENSES),
        "url": f"https://portal.example.org/datasets/{index}",
        "version": f"{rng.randint(1, 5)}.{rng.randint(0, 20)}",
        "owner_org": org,
        "extras": extras,
        "tags": sorted(rng.sample(WORDS, rng.randint(3, 8))),
        "groups": rng.sample(group_names, rng.randint(0, min(3, len(group_names)))),
        "resources": resources,
    }


def _extra_value(rng: random.Random, key: str, index: int) -> str:
    if key.startswith("temporal"):
        return f"{rng.randint(1990, 2024)}-{rng.randint(1, 12):02d}-01"
    if key == "update_frequency":
        return rng.choice(FREQUENCIES)
    if key == "identifier":
        return f"urn:example:dataset:{index}"
    if key == "landing_page":
        return f"https://portal.example.org/landing/{index}"
    if key == "contact_phone":
        return f"+1 555 {rng.randint(1000, 9999)}"
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6)))


@dataclass
class Catalogue:
    """An in-memory catalogue (use `iter_jsonl_records` for very large ones)."""

    seed: int
    organizations: dict[str, dict[str, Any]]
    groups: dict[str, dict[str, Any]]
    datasets: dict[str, dict[str, Any]]
    next_index: int
    day: int = 1
    changes: dict[str, list[str]] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        return {"organization": self.organizations, "group": self.groups, "dataset": self.datasets}

    def write_json(self, path: Path, compress: bool = False) -> Path:
        data = json.dumps(self.document(), ensure_ascii=False).encode()
        path.write_bytes(gzip.compress(data) if compress else data)
        return path

    def write_jsonl(self, path: Path) -> Path:
        with open(path, "w", encoding="utf-8") as out:
            for record in _records(self.organizations, self.groups, self.datasets.values()):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return path


def _names(n: int, seed: int) -> tuple[list[dict], list[dict]]:
    orgs = [make_organization(i, seed) for i in range(organization_count(n))]
    groups = [make_group(i, seed) for i in range(group_count(n))]
    return orgs, groups


def generate(n: int, seed: int = 0) -> Catalogue:
    orgs, groups = _names(n, seed)
    org_names = [o["name"] for o in orgs]
    group_names = [g["name"] for g in groups]
    datasets = {}
    for i in range(n):
        dataset = make_dataset(i, seed, org_names, group_names)
        datasets[dataset["id"]] = dataset
    return Catalogue(
        seed=seed,
        organizations={o["name"]: o for o in orgs},
        groups={g["name"]: g for g in groups},
        datasets=datasets,
        next_index=n,
    )


def _records(organizations, groups, datasets) -> Iterator[dict[str, Any]]:
    for org in organizations.values():
        yield {"type": "organization", **org}
    for group in groups.values():
        yield {"type": "group", **group}
    for dataset in datasets:
        yield {"type": "dataset", **dataset}


def iter_jsonl_records(n: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """The records of `generate(n, seed)` as JSON Lines objects, one dataset at a time."""
    orgs, groups = _names(n, seed)
    org_names = [o["name"] for o in orgs]
    group_names = [g["name"] for g in groups]
    datasets = (make_dataset(i, seed, org_names, group_names) for i in range(n))
    yield from _records({o["name"]: o for o in orgs}, {g["name"]: g for g in groups}, datasets)


def write_jsonl_streaming(path: Path, n: int, seed: int = 0) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        for record in iter_jsonl_records(n, seed):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def edit_dataset(dataset: dict[str, Any], rng: random.Random, day: int) -> dict[str, Any]:
    """A realistic edit: new description text, a changed extra, one more tag, a moved file."""
    edited = json.loads(json.dumps(dataset))
    edited["notes"] = _text(rng, (3, 10)) + f" Revised on day {day}."
    edited["extras"]["data_quality"] = f"reviewed on day {day}"
    edited["tags"] = sorted(set(edited["tags"]) | {f"day-{day}"})
    resource = edited["resources"][rng.randrange(len(edited["resources"]))]
    resource["url"] = (
        resource["url"].rsplit("/", 1)[0] + f"/v{day}/" + resource["url"].rsplit("/")[-1]
    )
    return edited


def next_day(
    catalogue: Catalogue,
    edit: float = 0.01,
    remove: float = 0.01,
    add: float = 0.01,
) -> Catalogue:
    """The next day's catalogue: `edit`, `remove` and `add` are shares of today's datasets.

    Edited and removed datasets are disjoint. `changes` lists the source ids of each kind.
    """
    day = catalogue.day + 1
    rng = random.Random(f"{catalogue.seed}:day:{day}")
    ids = list(catalogue.datasets)
    count = len(ids)
    n_edit, n_remove, n_add = (round(count * share) for share in (edit, remove, add))
    chosen = rng.sample(ids, n_edit + n_remove)
    edited, removed = set(chosen[:n_edit]), set(chosen[n_edit:])
    datasets = {}
    for source_id, dataset in catalogue.datasets.items():
        if source_id in removed:
            continue
        datasets[source_id] = edit_dataset(dataset, rng, day) if source_id in edited else dataset
    org_names = list(catalogue.organizations)
    group_names = list(catalogue.groups)
    added = []
    for index in range(catalogue.next_index, catalogue.next_index + n_add):
        dataset = make_dataset(index, catalogue.seed, org_names, group_names)
        datasets[dataset["id"]] = dataset
        added.append(dataset["id"])
    return Catalogue(
        seed=catalogue.seed,
        organizations=catalogue.organizations,
        groups=catalogue.groups,
        datasets=datasets,
        next_index=catalogue.next_index + n_add,
        day=day,
        changes={
            "edited": sorted(edited),
            "removed": sorted(removed),
            "added": added,
        },
    )


def to_ckan_form(dataset: dict[str, Any]) -> dict[str, Any]:
    """The dataset as a plain `package_create` call would send it (for the baseline).

    The source id is dropped (CKAN makes its own ids); organization and groups stay names,
    which CKAN's validators accept.
    """
    converted = {key: value for key, value in dataset.items() if key not in ("id", "extras")}
    converted["extras"] = [{"key": k, "value": v} for k, v in sorted(dataset["extras"].items())]
    converted["tags"] = [{"name": tag} for tag in dataset["tags"]]
    converted["groups"] = [{"name": name} for name in dataset["groups"]]
    converted["resources"] = [
        {key: value for key, value in resource.items() if key != "id"}
        for resource in dataset["resources"]
    ]
    return converted
