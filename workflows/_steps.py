"""What every step of the pipeline shares: the one image, its settings, its sandbox.

Steps only wire: each runs ``glucolake <step>`` in the pipeline image. Settings come from the
``glucolake-settings`` ConfigMap, credentials from Secrets (``envFrom``), never from parameters.
"""

from __future__ import annotations

from hera.workflows import Container, Env, Parameter, Resources, RetryStrategy
from hera.workflows import models as m

__all__ = [
    "IMAGE",
    "RELEASE",
    "SOURCES_FILE",
    "container_step",
    "pod_spec_defaults",
]

# The release these manifests belong to; the image tag and the labels carry it.
RELEASE = "0.1.0"
IMAGE = f"ghcr.io/glucolake/pipeline:{RELEASE}"
# The cohort file, mounted from the glucolake-sources ConfigMap.
SOURCES_FILE = "/etc/glucolake/sources.yaml"
SERVICE_ACCOUNT = "glucolake-workflow"

_SETTINGS = [
    m.EnvFromSource(config_map_ref=m.ConfigMapEnvSource(name="glucolake-settings")),
    # Nightscout API secrets/tokens, S3 and warehouse credentials: Secrets only.
    m.EnvFromSource(secret_ref=m.SecretEnvSource(name="glucolake-nightscout", optional=True)),
    m.EnvFromSource(secret_ref=m.SecretEnvSource(name="glucolake-s3")),
    m.EnvFromSource(secret_ref=m.SecretEnvSource(name="glucolake-warehouse")),
]

_RESTRICTED = m.SecurityContext(
    run_as_non_root=True,
    allow_privilege_escalation=False,
    read_only_root_filesystem=True,
    capabilities=m.Capabilities(drop=["ALL"]),
    seccomp_profile=m.SeccompProfile(type="RuntimeDefault"),
)


def container_step(
    name: str,
    args: list[str],
    *,
    inputs: list[Parameter] | None = None,
    memory: str = "1Gi",
    cpu: str = "500m",
    retry: RetryStrategy | None = None,
) -> Container:
    """A ``glucolake`` step in the pipeline image, restricted and with bounded resources."""
    return Container(
        name=name,
        image=IMAGE,
        image_pull_policy="IfNotPresent",
        command=["glucolake"],
        args=args,
        inputs=inputs or [],
        env=[
            # A writable home in the pod's scratch volume (the root file system is read-only).
            Env(name="GLUCOLAKE_HOME", value="/scratch/glucolake"),
            # Ties the steps' lineage events to this workflow run.
            Env(name="GLUCOLAKE_RUN_ID", value="{{workflow.uid}}"),
        ],
        env_from=_SETTINGS,
        resources=Resources(
            cpu_request=cpu, cpu_limit="2", memory_request=memory, memory_limit=memory
        ),
        security_context=_RESTRICTED,
        volume_mounts=[
            m.VolumeMount(name="scratch", mount_path="/scratch"),
            m.VolumeMount(name="sources", mount_path="/etc/glucolake", read_only=True),
        ],
        retry_strategy=retry,
    )


def pod_spec_defaults() -> dict[str, object]:
    """Workflow-level settings every pipeline workflow shares."""
    return {
        "service_account_name": SERVICE_ACCOUNT,
        "security_context": m.PodSecurityContext(
            run_as_non_root=True,
            run_as_user=10001,
            run_as_group=10001,
            fs_group=10001,
            seccomp_profile=m.SeccompProfile(type="RuntimeDefault"),
        ),
        "volumes": [
            m.Volume(name="scratch", empty_dir=m.EmptyDirVolumeSource(size_limit="2Gi")),
            m.Volume(name="sources", config_map=m.ConfigMapVolumeSource(name="glucolake-sources")),
        ],
        # Failed pods stay for debugging; workflows go after a day (a week when they failed).
        "pod_gc": m.PodGC(strategy="OnWorkflowSuccess"),
        "ttl_strategy": m.TTLStrategy(
            seconds_after_success=86_400, seconds_after_failure=7 * 86_400
        ),
        "active_deadline_seconds": 3_600,
        "labels": {
            "app.kubernetes.io/name": "glucolake",
            "app.kubernetes.io/version": RELEASE,
        },
    }
