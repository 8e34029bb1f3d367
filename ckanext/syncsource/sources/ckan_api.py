"""Another CKAN site, read through its action API with the safe HTTP layer.

Organizations and groups come from `organization_list` / `group_list` with `all_fields`, paged
by offset. Datasets come from `package_search` sorted by id and paged by id (each page asks for
ids after the last one seen), so datasets created or deleted during the read do not shift pages.
Given the stamps (`metadata_modified`) of the content the caller holds, the pages list only ids,
names and stamps, and the full content is fetched, by id, of the datasets whose stamp differs:
an unchanged re-run downloads no dataset, and the listing still shows which are gone.
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

import datetime
import json
from collections.abc import Iterator, Mapping
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
LISTED_FIELDS = "id,name,metadata_modified"
CHANGED_BATCH = 50
"""Changed datasets fetched per request, by id: keeps the request line near 2,500 bytes."""


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
    def __init__(
        self,
        url: str,
        settings: ReaderSettings,
        fetcher: HttpFetcher,
        known_stamps: Mapping[str, str] | None = None,
    ) -> None:
        self._base = action_base_url(url)
        self._settings = settings
        self._fetcher = fetcher
        self._token = settings.token_for(self._base)
        self._known = known_stamps or {}

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
        if not self._known:
            for page in self._search_pages():
                yield from (self._dataset_record(value) for value in page)
            return
        for page in self._search_pages(LISTED_FIELDS):
            changed = []
            for value in page:
                listed = require_object(value, "dataset")
                stamp = source_stamp(listed.get("metadata_modified"))
                name = listed.get("name")
                known = stamp is not None and self._known.get(listed["id"]) == stamp
                if known and isinstance(name, str):
                    identity = {"id": listed["id"], "name": name}
                    yield Record("dataset", listed["id"], identity, stamp, unchanged=True)
                    continue
                changed.append(listed["id"])
            for start in range(0, len(changed), CHANGED_BATCH):
                yield from self._contents(changed[start : start + CHANGED_BATCH])

    def _contents(self, ids: list[str]) -> Iterator[Record]:
        """The full content of these datasets (those deleted since they were listed are
        absent, as they would be from a full read now)."""
        wanted = set(ids)
        quoted = " OR ".join(f'"{_escaped(source_id)}"' for source_id in ids)
        params = self._search_params() | {"fq": f"{DATASETS_ONLY} +id:({quoted})"}
        for value in self._search_results(params):
            record = self._dataset_record(value)
            if record.key not in wanted:
                raise SourceError(
                    f"package_search returned dataset {record.key!r} unasked, or twice"
                )
            wanted.discard(record.key)
            yield record

    def _dataset_record(self, value: Any) -> Record:
        dataset = _as_linked_copy(require_object(value, "dataset"))
        record = keyed_record("dataset", dataset, "package_search")
        stamp = source_stamp(dataset.get("metadata_modified"))
        return Record(record.kind, record.key, record.obj, stamp)

    def _search_params(self, fields: str | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {"q": "*:*", "sort": "id asc", "rows": DATASET_PAGE_SIZE}
        if fields:
            params["fl"] = fields
        if self._token:
            params["include_private"] = "true"
        return params

    def _search_pages(self, fields: str | None = None) -> Iterator[list[Any]]:
        """All datasets in pages, sorted by id and paged by id (each page asks for ids after
        the last one seen), so datasets created or deleted during the read do not shift
        pages; with `fields`, only those fields of each.

        A page holding all that its search counted is the last: no request for an empty
        page (an unchanged re-run of a small source makes one listing request, not two).
        """
        params = self._search_params(fields)
        last_id = ""
        while True:
            params["fq"] = DATASETS_ONLY
            if last_id:
                params["fq"] += f' +id:{{"{_escaped(last_id)}" TO *]'
            page, count = self._search_page(params)
            if not page:
                return
            for value in page:
                source_id = require_object(value, "dataset").get("id")
                if not isinstance(source_id, str) or source_id <= last_id:
                    raise SourceError(
                        "package_search did not return datasets in ascending id order; "
                        "cannot page through them safely"
                    )
                last_id = source_id
            yield page
            if isinstance(count, int) and count <= len(page):
                return

    def _search_results(self, params: dict[str, Any]) -> list[Any]:
        return self._search_page(params)[0]

    def _search_page(self, params: dict[str, Any]) -> tuple[list[Any], Any]:
        """The results of a search and the number it counted (as the answer gives it)."""
        result = require_object(self._call("package_search", params), "package_search result")
        page = result.get("results")
        if not isinstance(page, list):
            raise SourceError("package_search: the answer has no list of results")
        return page, result.get("count")

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


def _escaped(value: str) -> str:
    """`value` for a quoted Solr term."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def source_stamp(value: Any) -> str | None:
    """A CKAN `metadata_modified` in the one form both `package_show` (microseconds) and a
    search with `fl` (the index keeps milliseconds, "Z") give: ISO text to the millisecond;
    None when it is not a timestamp."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds")
