"""The gather's spool gives back each dataset exactly as it was added."""

from ckanext.syncsource.planning.dataset_spool import DatasetSpool


def test_each_dataset_reads_back_as_added_and_a_later_add_wins():
    with DatasetSpool() as spool:
        spool.add("a", {"name": "a", "title": "Ünïcode ✓"})
        spool.add("b", {"name": "b", "notes": "x" * 100_000})
        spool.add("", {"name": "empty-id"})
        spool.add("a", {"name": "a", "title": "second"})
        assert spool.get_text("b") == '{"name":"b","notes":"' + "x" * 100_000 + '"}'
        assert spool.get_text("") == '{"name":"empty-id"}'
        assert spool.get_text("a") == '{"name":"a","title":"second"}'
