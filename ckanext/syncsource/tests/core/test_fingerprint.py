import json
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ckanext.syncsource.core.fingerprint import fingerprint, sync_fingerprint
from ckanext.syncsource.core.normalize import normalize_dataset
from ckanext.syncsource.core.options import SyncOptions

REPO = Path(__file__).resolve().parents[4]
SAMPLE = {"name": "ab", "title": "Café ☕", "extras": {"k": "v"}, "tags": ["t"], "n": 1.5}


def test_the_fingerprint_of_known_content_never_changes():
    # A change here makes every synced dataset an update candidate on the next run.
    assert fingerprint(normalize_dataset(SAMPLE)) == "3a869bda54380933b6384fc9085f536f"


def test_the_fingerprint_is_the_same_in_another_process_with_another_hash_seed():
    code = (
        "from ckanext.syncsource.core.fingerprint import fingerprint;"
        "from ckanext.syncsource.core.normalize import normalize_dataset;"
        f"print(fingerprint(normalize_dataset({SAMPLE!r})))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == fingerprint(normalize_dataset(SAMPLE))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=10,
)


def _canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


@given(st.dictionaries(st.text(), json_values), st.dictionaries(st.text(), json_values))
def test_fingerprints_differ_exactly_when_the_json_differs(a, b):
    # Python equality is not the property: {"": False} == {"": 0}, yet CKAN stores false and 0
    # differently, and so do the fingerprints.
    assert (fingerprint(a) == fingerprint(b)) == (_canonical_json(a) == _canonical_json(b))


def test_false_and_zero_have_different_fingerprints():
    assert fingerprint({"": False}) != fingerprint({"": 0})


@given(st.dictionaries(st.text(), json_values))
def test_key_order_does_not_matter(content):
    reordered = dict(reversed(list(content.items())))
    assert fingerprint(reordered) == fingerprint(content)


def test_changing_a_dataset_merge_option_changes_the_sync_fingerprint():
    content = normalize_dataset(SAMPLE)
    default = sync_fingerprint(content, SyncOptions())
    assert sync_fingerprint(content, SyncOptions(group_merge_strategy="update")) == default
    for changed in (
        SyncOptions(dataset_preserve_names=False),
        SyncOptions(dataset_preserve_organization=False),
        SyncOptions(dataset_group_merge_strategy="replace"),
    ):
        assert sync_fingerprint(content, changed) != default
