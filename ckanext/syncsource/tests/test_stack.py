"""The stack the tests run on is the real one: PostgreSQL, Apache Solr, Redis and CKAN."""

from __future__ import annotations

import pytest
import requests
import sqlalchemy as sa
from ckan import model
from ckan.lib.search.common import make_connection
from ckan.tests import factories, helpers
from ckanext.harvest.model import HarvestJob

from .harvest_runner import create_source, start_consumer, sysadmin_context, wait_until

pytestmark = pytest.mark.usefixtures("stack")


def test_a_dataset_created_through_the_action_api_is_found_by_solr():
    dataset = factories.Dataset(title="Bicycle counts on the river bridges")

    found = helpers.call_action("package_search", q="bicycle bridges")

    assert [result["id"] for result in found["results"]] == [dataset["id"]]


def test_the_search_server_is_apache_solr_with_ckans_schema():
    solr = make_connection()
    base = solr.url.rsplit("/", 1)[0]
    core = solr.url.rsplit("/", 1)[1]

    info = requests.get(f"{base}/admin/info/system", params={"wt": "json"}, timeout=10).json()
    schema = requests.get(f"{base}/{core}/schema", params={"wt": "json"}, timeout=10).json()

    assert info["lucene"]["solr-spec-version"].startswith("9.")
    assert schema["schema"]["name"].startswith("ckan-")


def test_the_harvest_tables_exist_after_migration():
    tables = set(sa.inspect(model.meta.engine).get_table_names())

    assert {"harvest_source", "harvest_job", "harvest_object", "harvest_object_extra"} <= tables


@pytest.mark.queues
def test_a_job_sent_to_the_gather_queue_travels_to_a_consumer(write_catalogue, tmp_path):
    source = create_source(write_catalogue())
    consumer = start_consumer("gather", tmp_path / "gather.log")
    try:
        job = helpers.call_action(
            "harvest_job_create", sysadmin_context(), source_id=source["id"], run=True
        )

        gathered = wait_until(
            lambda: HarvestJob.get(job["id"]).gather_finished, what="the consumer to gather"
        )
    finally:
        consumer.terminate()
        consumer.wait(timeout=30)

    assert gathered is not None
    assert "Received harvest job id: " + job["id"] in (tmp_path / "gather.log").read_text()
