"""The Neptune token comes from Secret Manager at run time: the real client against the loopback fake."""

import json
import os

import pytest
from google.cloud import secretmanager

from components import executors, neptune_secret

pytestmark = pytest.mark.unit

PROJECT = "my-proj-1"


@pytest.fixture
def client(vertex_fake):
    return secretmanager.SecretManagerServiceClient(
        transport="rest", client_options=vertex_fake.client_options, credentials=vertex_fake.credentials
    )


@pytest.fixture
def clean_env(monkeypatch):
    """No Neptune variables now, and whatever the code under test sets is undone afterwards."""
    for name in ("NEPTUNE_API_TOKEN", "NEPTUNE_PROJECT"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


def test_the_latest_version_is_read(vertex_fake, client):
    vertex_fake.add_secret(PROJECT, "neptune-token", "old-token")
    vertex_fake.add_secret(PROJECT, "neptune-token", "new-token\n")

    token = neptune_secret.read_secret(f"projects/{PROJECT}/secrets/neptune-token/versions/latest", client)

    assert token == "new-token"


def test_the_token_is_exported_for_neptune(vertex_fake, client, clean_env):
    vertex_fake.add_secret(PROJECT, "neptune-token", "token-from-secret-manager")

    neptune_secret.export_neptune_token(f"projects/{PROJECT}/secrets/neptune-token/versions/latest", client)

    assert os.environ["NEPTUNE_API_TOKEN"] == "token-from-secret-manager"


def test_a_token_already_in_the_environment_wins_and_nothing_is_fetched(vertex_fake, client, monkeypatch):
    monkeypatch.setenv("NEPTUNE_API_TOKEN", "from-the-environment")

    neptune_secret.export_neptune_token(f"projects/{PROJECT}/secrets/neptune-token/versions/latest", client)

    assert vertex_fake.requests == []


def test_a_denied_secret_is_one_message_naming_it(vertex_fake, client, clean_env):
    vertex_fake.fail_next("GET", r"/secrets/neptune-token/", status=403, message="Permission denied on secret")
    name = f"projects/{PROJECT}/secrets/neptune-token/versions/latest"

    with pytest.raises(RuntimeError) as raised:
        neptune_secret.export_neptune_token(name, client)

    assert str(raised.value).startswith(f"cannot read secret {name}: ")
    assert "Permission denied on secret" in str(raised.value)


def test_prepare_sets_the_neptune_project_and_token_from_custom_config(vertex_fake, client, clean_env, monkeypatch):
    vertex_fake.add_secret(PROJECT, "neptune-token", "token-from-secret-manager")
    # The executor builds its own client; here that client talks to the fake.
    original = neptune_secret.read_secret
    monkeypatch.setattr(neptune_secret, "read_secret", lambda name, _=None: original(name, client))
    config = {
        executors.NEPTUNE_PROJECT: "acme/penguins",
        executors.NEPTUNE_SECRET: f"projects/{PROJECT}/secrets/neptune-token/versions/latest",
        executors.TRACKING: {"backend": "neptune"},
    }

    executors.prepare({"custom_config": json.dumps(config)})

    assert os.environ["NEPTUNE_PROJECT"] == "acme/penguins"
    assert os.environ["NEPTUNE_API_TOKEN"] == "token-from-secret-manager"
