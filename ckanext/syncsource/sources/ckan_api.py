"""Another CKAN site, read through its action API with the safe HTTP layer.

Organizations and groups come from `organization_list` / `group_list` with `all_fields`, paged
by offset. Datasets come from `package_search` sorted by id and paged by id (each page asks for
ids after the last one seen), so datasets created or deleted during the read do not shift pages.
With an API token bound to the source's https origin (see `tokens`), private datasets are
included and the token is sent in the `Authorization` header to that origin only. CKAN answers a
revoked or wrong token as if it were anonymous (public datasets only), which would make the
private datasets look deleted; so the token is checked first with `user_show` without an id,
which names the token's user and answers "Not found" to an anonymous caller.

As ckanext-harvest's CKAN harvester does, only datasets of type `dataset` are read (not
showcases or other types a site keeps in the same index), and a resource stored by the source
site (`url_type` `upload` or `datastore`) keeps the source's download URL and loses its
`url_type`, which would make this site rewrite the URL to a file it does not have.
"""

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from .compression import open_decompressed
from .errors import SourceError
from .http_fetch import HttpFetcher
from .records import Record, keyed_record, require_object, too_deep
from .settings import ReaderSettings
from .tokens import origin_key

ACTION_PATH = "/api/3/action"
GROUP_PAGE_SIZE = 25  # CKAN's default ckan.group_and_organization_list_all_fields_max
DATASET_PAGE_SIZE = 1000  # CKAN's default ckan.search.rows_max
DATASETS_ONLY = "+dataset_type:dataset"


def action_base_url(url: str) -> str:
    """The action API base of a CKAN site URL (site root, `/api`, `/api/3` or the action URL)."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if ACTION_PATH in path:
        path = path[: path.index(ACTION_PATH)]
    elif path.endswith("/api/3"):
        path = path.removesuffix("/api/3")
    elif path.endswith("/api"):
        path = path.removesuffix("/api")
    return urlunsplit(parts._replace(path=path + ACTION_PATH, query="", fragment=""))


class CkanApiReader:
    def __init__(self, url: str, settings: ReaderSettings, fetcher: HttpFetcher) -> None:
        self._base = action_base_url(url)
        self._settings = settings
        self._fetcher = fetcher
        self._token = settings.token_for(self._base)

    def records(self) -> Iterator[Record]:
        if self._token:
            self._check_token()
        yield from self._group_like("organization")
        yield from self._group_like("group")
        yield from self._datasets()

    def _check_token(self) -> None:
        origin = origin_key(self._base)
        try:
            user = self._call("user_show", {})
        except SourceError as e:
            raise SourceError(
                f"the API token configured for {origin} was refused ({e}); "
                "the source is not read without it"
            ) from e
        if not isinstance(user, dict) or not user.get("name"):
            raise SourceError(f"the API token configured for {origin} names no user (user_show)")

    def _group_like(self, kind) -> Iterator[Record]:
        action = f"{kind}_list"
        params = {"all_fields": "true", "include_extras": "true", "include_users": "false"}
        params |= {"include_groups": "false", "include_tags": "false", "limit": GROUP_PAGE_SIZE}
        seen: set[str] = set()
        offset = 0
        while page := self._list(action, {**params, "offset": offset}):
            for value in page:
                record = keyed_record(kind, require_object(value, f"{action} item"), action)
                if record.key in seen:
                    raise SourceError(f"{action} returned {kind} {record.key!r} twice while paging")
                seen.add(record.key)
                yield record
            offset += len(page)

    def _datasets(self) -> Iterator[Record]:
        params: dict[str, Any] = {"q": "*:*", "sort": "id asc", "rows": DATASET_PAGE_SIZE}
        params["fq"] = DATASETS_ONLY
        if self._token:
            params["include_private"] = "true"
        last_id = ""
        while True:
            if last_id:
                escaped = last_id.replace("\\", "\\\\").replace('"', '\\"')
                params["fq"] = f'{DATASETS_ONLY} +id:{{"{escaped}" TO *]'
            result = require_object(self._call("package_search", params), "package_search result")
            page = result.get("results")
            if not isinstance(page, list):
                raise SourceError("package_search: the answer has no list of results")
            if not page:
                return
            for value in page:
                dataset = _as_linked_copy(require_object(value, "dataset"))
                record = keyed_record("dataset", dataset, "package_search")
                if record.key <= last_id:
                    raise SourceError(
                        "package_search did not return datasets in ascending id order; "
                        "cannot page through them safely"
                    )
                last_id = record.key
                yield record

    def _list(self, action: str, params: dict[str, Any]) -> list[Any]:
        result = self._call(action, params)
        if not isinstance(result, list):
            raise SourceError(f"{action}: the answer's result is not a list")
        return result

    def _call(self, action: str, params: dict[str, Any]) -> Any:
        url = f"{self._base}/{action}?{urlencode(params)}"
        try:
            with self._fetcher.download(url, authorized=True) as download:
                download.reject_html("JSON")
                body = json.load(open_decompressed(download.file, self._settings.max_bytes))
        except SourceError as e:
            raise SourceError(f"{action}: {self._without_token(str(e))}") from e
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise SourceError(f"{action}: the answer is not valid JSON ({e})") from e
        except RecursionError as e:
            raise too_deep(f"{action}: the answer") from e
        if not isinstance(body, dict) or body.get("success") is not True:
            error = body.get("error") if isinstance(body, dict) else None
            detail = json.dumps(error)[:300] if error is not None else "no error given"
            raise SourceError(f"{action} failed: {self._without_token(detail)}")
        return body.get("result")

    def _without_token(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text


def _as_linked_copy(dataset: dict[str, Any]) -> dict[str, Any]:
    """The dataset with its resources pointing at the source site's files: a resource the source
    site stores keeps its download URL and loses its `url_type`."""
    resources = dataset.get("resources")
    if not isinstance(resources, list):
        return dataset
    linked = [
        {key: value for key, value in resource.items() if key != "url_type"}
        if isinstance(resource, dict)
        else resource
        for resource in resources
    ]
    return {**dataset, "resources": linked}
