"""The least a vertex profile needs, as --set items: a project, a region, gs:// roots and the pipeline image."""

IMAGE = "europe-west4-docker.pkg.dev/my-proj-1/vtx/vertex-tfx:0123abc"
REQUIRED = [
    "data_root=gs://my-bucket-1/data",
    "vertex.project=my-proj-1",
    "vertex.region=europe-west4",
    "vertex.pipeline_root=gs://my-bucket-1/pipeline-root",
    f"vertex.image={IMAGE}",
]
