"""The EKS infrastructure as Terraform (kuberay/terraform), offline: every file parses, every
variable is used, and the resources production relies on are there as the runbook says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import hcl2

TERRAFORM = Path(__file__).resolve().parent.parent / "kuberay" / "terraform"


def _plain(value: Any) -> Any:
    """python-hcl2 keeps HCL's quotes on names and strings and marks blocks: drop both."""
    if isinstance(value, dict):
        return {_plain(key): _plain(item) for key, item in value.items() if key != "__is_block__"}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _parsed() -> dict[str, dict[str, Any]]:
    files = sorted(TERRAFORM.glob("*.tf"))
    assert files, f"no Terraform under {TERRAFORM}"
    return {path.name: _plain(hcl2.loads(path.read_text())) for path in files}


def _blocks(kind: str) -> dict[str, Any]:
    """Every block of a kind (resource, module, variable…) by its name(s), over all files."""
    found: dict[str, Any] = {}
    for document in _parsed().values():
        for block in document.get(kind, []):
            for name, body in block.items():
                # resources and data sources nest a type above their names: merge the names
                if kind in ("resource", "data") and name in found:
                    found[name] = {**found[name], **body}
                else:
                    found[name] = body
    return found


def _resource(kind: str, name: str) -> dict[str, Any]:
    resource: dict[str, Any] = _blocks("resource")[kind][name]
    return resource


def test_every_file_parses_and_every_variable_is_used() -> None:
    variables = set(_blocks("variable"))
    assert {"environment", "region"} <= variables
    text = "\n".join(path.read_text() for path in TERRAFORM.glob("*.tf"))
    used = set(re.findall(r"\bvar\.([a-z_][a-z0-9_]*)", text))
    assert variables - used == set(), f"declared but never used: {sorted(variables - used)}"
    assert used - variables == set(), f"used but never declared: {sorted(used - variables)}"


def test_the_data_stores_are_private_encrypted_and_highly_available() -> None:
    database = _resource("aws_db_instance", "journal")
    assert database["multi_az"] is True and database["storage_encrypted"] is True
    assert database["deletion_protection"] is True and "backup_retention_period" in database
    cache = _resource("aws_elasticache_replication_group", "cache")
    assert cache["transit_encryption_enabled"] is True and cache["at_rest_encryption_enabled"] is True
    assert cache["automatic_failover_enabled"] is True
    kafka = _resource("aws_msk_cluster", "events")
    assert kafka["number_of_broker_nodes"] == 3
    assert kafka["encryption_info"][0]["encryption_in_transit"][0]["client_broker"] == "TLS"
    assert _resource("aws_s3_bucket_versioning", "documents")["versioning_configuration"][0]["status"] == "Enabled"
    blocked = _resource("aws_s3_bucket_public_access_block", "documents")
    flags = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    assert all(blocked[flag] is True for flag in flags)


def test_the_cluster_has_on_demand_and_spot_nodes_irsa_and_the_operators() -> None:
    eks = _blocks("module")["eks"]
    groups = eks["eks_managed_node_groups"]
    assert groups["ledger"]["capacity_type"] == "ON_DEMAND" and groups["serve"]["capacity_type"] == "SPOT"
    assert groups["ledger"]["labels"] == {"bankflow.io/capacity": "on-demand"}
    assert groups["serve"]["labels"] == {"bankflow.io/capacity": "spot"}
    assert eks["enable_irsa"] is True and eks["cluster_endpoint_public_access"] is False
    assert len(_blocks("module")["vpc"]["azs"]) > 0
    assert _resource("helm_release", "kuberay_operator")["chart"] == "kuberay-operator"
    assert _resource("helm_release", "external_secrets")["chart"] == "external-secrets"
    assert "irsa_role_arn" in _blocks("output") and "kafka_bootstrap" in _blocks("output")


def test_the_secrets_terraform_creates_are_the_ones_the_manifests_read() -> None:
    manifests = (TERRAFORM.parent / "base" / "external-secrets.yaml").read_text()
    read = set(re.findall(r"key: bankflow/([a-z-]+)", manifests))
    created = set(_blocks("locals")["secrets"])
    assert read <= created, f"read by the manifests but not created: {sorted(read - created)}"
