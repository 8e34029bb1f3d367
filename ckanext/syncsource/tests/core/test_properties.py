"""Property tests: random catalogues synced into random starting states."""

import copy

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ckanext.syncsource.core.normalize import normalize_ckan_dataset, normalize_dataset
from ckanext.syncsource.core.options import SyncOptions

from .memory_catalogue import MemoryCatalogue, plan_sync, sync

ORG_KEYS = ["org-a", "org-b"]
GROUP_KEYS = ["grp-a", "grp-b", "grp-c"]
NAMES = ["alpha", "beta", "gamma", "alpha-1"]
IDS = ["d1", "d2", "d3", "d4", "d5"]

resources = st.lists(
    st.fixed_dictionaries(
        {"url": st.sampled_from(["http://x/1", "http://x/2", "http://x/t.csv"])},
        optional={"id": st.sampled_from(["r1", "r2", "r3"]), "name": st.sampled_from(["a", "b"])},
    ),
    max_size=3,
)
datasets = st.fixed_dictionaries(
    {"name": st.sampled_from(NAMES)},
    optional={
        "id": st.sampled_from(IDS),
        "title": st.sampled_from(["T1", "T2", ""]),
        "tags": st.lists(st.sampled_from(["t1", "t2", "t3"])),
        "extras": st.dictionaries(
            st.sampled_from(
                ["k1", "k2", "a-longer-key", "z", "harvest_object_id", "_harvest_source"]
            ),
            st.sampled_from(["v1", "v2", "src:d1", "src:d9"]),
        ),
        "groups": st.lists(st.sampled_from([*GROUP_KEYS, "grp-x"]), unique=True, max_size=3),
        "owner_org": st.sampled_from([*ORG_KEYS, None, "org-x"]),
        "resources": resources,
        "private": st.booleans(),
        "notes": st.sampled_from(["", "N1", "N2"]),
    },
)
groupish = st.fixed_dictionaries(
    {"title": st.sampled_from("XY")},
    optional={"description": st.sampled_from(["D1", "D2"]), "image_url": st.just("http://i/")},
)
documents = st.fixed_dictionaries(
    {
        "organization": st.dictionaries(st.sampled_from(ORG_KEYS), groupish),
        "group": st.dictionaries(st.sampled_from(GROUP_KEYS), groupish),
        "dataset": st.dictionaries(st.sampled_from(IDS), datasets),
    }
)
options = st.builds(
    SyncOptions,
    organization_merge_strategy=st.sampled_from(["create", "update"]),
    group_merge_strategy=st.sampled_from(["create", "update"]),
    dataset_preserve_names=st.booleans(),
    dataset_preserve_organization=st.booleans(),
    dataset_group_merge_strategy=st.sampled_from(["add", "replace", "preserve"]),
)


@st.composite
def starting_states(draw):
    """A catalogue with an earlier sync of this source, hand edits, and foreign datasets."""
    catalogue = MemoryCatalogue()
    sync(catalogue, "src", draw(documents), draw(options))
    for package_id in sorted(catalogue.packages):
        action = draw(st.sampled_from(["keep", "keep", "delete", "edit"]))
        if action == "delete":
            catalogue.package_delete(package_id)
        elif action == "edit":
            edited = catalogue.package_show(package_id)
            catalogue.package_update({**edited, "title": "edited by hand", "tags": []})
    for source_id in draw(st.lists(st.sampled_from(IDS), max_size=3)):
        name = draw(st.sampled_from([*NAMES, "other"]))
        marker = draw(
            st.sampled_from([None, f"other:{source_id}", f"src-2:{source_id}", f"src:{source_id}"])
        )
        extras = [{"key": "_harvest_source", "value": marker}] if marker else []
        taken = {p["name"] for p in catalogue.packages.values()}
        if name not in taken:
            catalogue.package_create({"name": name, "title": "foreign", "extras": extras})
    for key in draw(st.lists(st.sampled_from(ORG_KEYS + GROUP_KEYS), unique=True)):
        kind = "organization" if key.startswith("org") else "group"
        found = [g for g in catalogue.groups.values() if g["name"] == key]
        if found and draw(st.booleans()):
            catalogue.group_delete(found[0]["id"])
        elif not found:
            catalogue.group_create(kind, {"name": key, "title": "pre-existing"})
    return catalogue


def mark_copies(catalogue, document, opts):
    """Record the datasets carrying this source's marker that the source does not own (copies
    made in the starting state, or newer ones of an unlinked id): they count as foreign."""
    ignored = plan_sync(catalogue, "src", document, opts).datasets.ignored
    catalogue.copies.update(ignored_copy.package_id for ignored_copy in ignored)


def foreign(catalogue):
    """Datasets that are not the source's: other sources', hand-made ones, and copies."""
    return {
        package_id: copy.deepcopy(package)
        for package_id, package in catalogue.packages.items()
        if catalogue.owner_source_id(package, "src") is None or package_id in catalogue.copies
    }


def own_active(catalogue):
    owned = {}
    for package in catalogue.packages.values():
        source_id = catalogue.owner_source_id(package, "src")
        if package["id"] in catalogue.copies:
            continue
        if source_id is not None and package["state"] == "active":
            assert source_id not in owned, f"two active datasets for {source_id}"
            owned[source_id] = package
    return owned


def renames_into_own_names(catalogue, document) -> bool:
    """Whether a source dataset wants the name another of the source's datasets holds now."""
    holder = {package["name"]: source_id for source_id, package in own_active(catalogue).items()}
    return any(
        holder.get(content.get("name"), source_id) != source_id
        for source_id, content in document["dataset"].items()
        if isinstance(content, dict)
    )


def group_keys(catalogue, package):
    return {catalogue.groups[group["id"]]["name"] for group in package["groups"]}


relaxed = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@relaxed
@given(starting_states(), documents, options)
def test_one_run_converges_and_a_second_run_writes_nothing(catalogue, document, opts):
    mark_copies(catalogue, document, opts)
    before = foreign(catalogue)
    if not opts.dataset_preserve_names and renames_into_own_names(catalogue, document):
        event("renames onto names the source's other datasets hold")
    report = sync(catalogue, "src", document, opts)

    assert foreign(catalogue) == before
    assert set(report.errors) <= set(document["dataset"])
    owned = own_active(catalogue)
    synced = set(document["dataset"]) - set(report.errors)
    assert synced <= set(owned)
    assert set(owned) <= set(document["dataset"])

    for source_id in synced:
        source = normalize_dataset(document["dataset"][source_id])
        package = owned[source_id]
        held = normalize_ckan_dataset(package)
        assert held["tags"] == source["tags"]
        assert [
            {key: value for key, value in resource.items() if key != "mimetype" or key in wanted}
            for resource, wanted in zip(held["resources"], source["resources"], strict=True)
        ] == source["resources"]
        assert held["extras"] == sorted(
            [*source["extras"], {"key": "_harvest_source", "value": f"src:{source_id}"}],
            key=lambda extra: extra["key"],
        )
        assert package["title"] == source.get("title", package["name"])
        if source_id in report.created:
            assert package["name"] == report.created[source_id]
        elif not opts.dataset_preserve_names:
            held_by_another = any(
                p["name"] == source["name"] and p["id"] != package["id"]
                for p in catalogue.packages.values()
            )
            assert package["name"] == source["name"] or (
                held_by_another and package["name"].startswith(f"{source['name']}-")
            )
        wanted_groups = {group["name"] for group in source["groups"]}
        if opts.dataset_group_merge_strategy == "replace" or source_id in report.created:
            assert group_keys(catalogue, package) == wanted_groups
        elif opts.dataset_group_merge_strategy == "add":
            assert group_keys(catalogue, package) >= wanted_groups
        if not opts.dataset_preserve_organization or source_id in report.created:
            org = package.get("organization") or {}
            assert org.get("name") == source.get("owner_org")

    # Without the recorded fingerprints every dataset is an update candidate: the second run
    # writes nothing only if merge and differs() agree with what CKAN stored.
    catalogue.synced.clear()
    writes = catalogue.writes
    again = sync(catalogue, "src", document, opts)
    assert catalogue.writes == writes
    assert again.errors.keys() == report.errors.keys()
    assert sorted(again.unchanged) == sorted(synced)
    assert not (again.created or again.updated or again.deleted)
    assert foreign(catalogue) == before


@relaxed
@given(starting_states(), documents, options)
def test_foreign_datasets_are_never_in_any_step(catalogue, document, opts):
    mark_copies(catalogue, document, opts)
    others = foreign(catalogue)
    plan = plan_sync(catalogue, "src", document, opts).datasets
    foreign_names = {package["name"] for package in others.values()}
    for step in plan.steps():
        assert getattr(step, "package_id", None) not in others
        if not hasattr(step, "package_id"):
            assert step.name not in foreign_names
    assert all(step.package_id not in others for step in plan.unchanged)


def package_show_form(dataset):
    """The same dataset as `package_show` would give it, with lists in another order."""
    shown = dict(reversed(list(dataset.items())))
    if "extras" in dataset:
        pairs = list(dataset["extras"].items())[::-1]
        shown["extras"] = [{"key": key, "value": value} for key, value in pairs]
    if "tags" in dataset:
        shown["tags"] = [{"name": tag, "display_name": tag} for tag in dataset["tags"][::-1]]
    if "groups" in dataset:
        shown["groups"] = [{"name": group, "title": group} for group in dataset["groups"][::-1]]
    return shown


@relaxed
@given(starting_states(), documents, options)
def test_the_plan_does_not_depend_on_form_or_order(catalogue, document, opts):
    reordered = {kind: dict(reversed(list(objects.items()))) for kind, objects in document.items()}
    reordered["dataset"] = {
        key: package_show_form(dataset) for key, dataset in reordered["dataset"].items()
    }
    plan = plan_sync(copy.deepcopy(catalogue), "src", document, opts)
    other = plan_sync(copy.deepcopy(catalogue), "src", reordered, opts)
    assert other.datasets == plan.datasets
    assert other.organizations == plan.organizations
    assert other.groups == plan.groups
