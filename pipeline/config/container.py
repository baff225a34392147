"""Vertex AI's custom serving container contract: the AIP_* variables `vtx serve` is started with there."""

from typing import Dict, Mapping, Optional

from pydantic import Field, ValidationError

from pipeline.config.base import Section
from pipeline.config.loader import ConfigError

# Field -> the variable Vertex AI sets (cloud.google.com/vertex-ai/docs/predictions/custom-container-requirements).
VARIABLES: Dict[str, str] = {
    "mode": "AIP_MODE",
    "http_port": "AIP_HTTP_PORT",
    "health_route": "AIP_HEALTH_ROUTE",
    "predict_route": "AIP_PREDICT_ROUTE",
    "storage_uri": "AIP_STORAGE_URI",
    "deployed_model_id": "AIP_DEPLOYED_MODEL_ID",
    "endpoint_id": "AIP_ENDPOINT_ID",
    "version_name": "AIP_VERSION_NAME",
}
# The values serving.endpoint and serving.deployed_model_id take, which the ids must fit.
_ID = r"^[\w.-]{1,128}$"
_ROUTE = r"^/\S*$"


class VertexContainer(Section):
    """What Vertex AI tells the serving container: where to listen and answer, which model, which deployment."""

    # Vertex AI's copy of the model's artifact_uri; the server downloads the SavedModel from here at start.
    storage_uri: str = Field(pattern=r"^gs://[a-z0-9][a-z0-9._-]{1,220}(/.*)?$")
    deployed_model_id: str = Field(pattern=_ID)
    endpoint_id: str = Field(pattern=_ID)
    mode: str = Field(default="PREDICTION", pattern=r"^PREDICTION$")
    http_port: int = Field(default=8080, ge=1, le=65535)
    health_route: str = Field(pattern=_ROUTE)
    predict_route: str = Field(pattern=_ROUTE)
    # Vertex AI sets it to the deployed model's id ("for compatibility"); the version the server reports.
    version_name: str = Field(pattern=_ID)


def _defaults(values: Dict[str, str]) -> Dict[str, str]:
    """The routes Vertex AI uses when the model's container spec names none, from the ids (as Vertex AI does)."""
    endpoint, deployed = values.get("endpoint_id"), values.get("deployed_model_id")
    if endpoint and deployed:
        route = f"/v1/endpoints/{endpoint}/deployedModels/{deployed}"
        values.setdefault("health_route", route)
        values.setdefault("predict_route", route + ":predict")
    if deployed:
        values.setdefault("version_name", deployed)
    return values


def vertex_container(environ: Mapping[str, str]) -> Optional[VertexContainer]:
    """The contract when any AIP_* variable of it is set (the server runs on Vertex AI), else None.

    Raises ConfigError naming the variable that is missing or wrong.
    """
    values = {field: environ[name] for field, name in VARIABLES.items() if environ.get(name)}
    if not values:
        return None
    try:
        return VertexContainer.model_validate(_defaults(values))
    except ValidationError as error:
        problem = error.errors()[0]
        name = VARIABLES[str(problem["loc"][0])]
        if problem["type"] == "missing":
            raise ConfigError(f"{name} is not set, though other AIP_* variables are: {_why(name)}") from None
        reason = _EXPECTED.get(name) if problem["type"] == "string_pattern_mismatch" else problem["msg"]
        raise ConfigError(f"{name}={environ.get(name)!r}: {reason}") from None


_EXPECTED = {
    "AIP_STORAGE_URI": "must be a gs://bucket/folder URI",
    "AIP_DEPLOYED_MODEL_ID": "must be an id (letters, digits, _ . -)",
    "AIP_ENDPOINT_ID": "must be an id (letters, digits, _ . -)",
    "AIP_VERSION_NAME": "must be an id (letters, digits, _ . -)",
    "AIP_MODE": "must be PREDICTION, the only mode Vertex AI starts a serving container in",
    "AIP_HEALTH_ROUTE": "must be a path starting with /",
    "AIP_PREDICT_ROUTE": "must be a path starting with /",
}


def _why(name: str) -> str:
    if name == "AIP_STORAGE_URI":
        return "a Vertex AI serving container reads its model from there (upload the model with artifact_uri)"
    return "Vertex AI sets it in every serving container"
