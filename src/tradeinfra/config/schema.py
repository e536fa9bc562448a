"""JSON Schema of the configuration files, generated from the models.

`config/schema.json` is referenced from every YAML file (yaml-language-server
modeline) so editors complete and check keys. It accepts either document:
`platform.yaml` (every setting required under `defaults`), an environment
file (`overrides` is a partial settings tree), or `access.yaml` (the access
contracts, with workload and resource names from the access catalog), or
`replacements.yaml` (reviewed stateful replacements). The loader stays the authority;
the schema is for editors.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from tradeinfra.access.catalog import RESOURCES, WORKLOADS
from tradeinfra.access.contracts import AccessContracts
from tradeinfra.config.models import (
    ENVIRONMENT_NAME_PATTERN,
    DeliveryConfig,
    EnvironmentConfig,
    Settings,
    Variation,
)
from tradeinfra.config.replacements import REPLACEMENTS_FILE, ReplacementsFile
from tradeinfra.config.settings_tree import setting_paths

SCHEMA_ID = "https://tradeinfra.local/config/schema.json"


def config_schema() -> dict[str, Any]:
    settings = Settings.model_json_schema(ref_template="#/$defs/{model}")
    defs: dict[str, Any] = settings.pop("$defs")
    defs["Settings"] = settings
    defs.update({f"Partial{name}": _partial(schema) for name, schema in list(defs.items())})
    variation = Variation.model_json_schema(ref_template="#/$defs/{model}")
    defs.update(variation.pop("$defs", {}))
    defs["Variation"] = variation
    delivery = DeliveryConfig.model_json_schema(ref_template="#/$defs/{model}")
    defs.update(delivery.pop("$defs", {}))
    defs["DeliveryConfig"] = delivery
    access = AccessContracts.model_json_schema(ref_template="#/$defs/{model}", by_alias=True)
    defs.update(access.pop("$defs", {}))
    access["title"] = "access.yaml"
    access["properties"]["workloads"]["propertyNames"] = {"enum": sorted(WORKLOADS)}
    defs["AccessFile"] = access
    resource_name = {"enum": sorted(RESOURCES)}
    on = defs["Rule"]["properties"]["on"]
    defs["Rule"]["properties"]["on"] = {
        "description": on["description"],
        "anyOf": [resource_name, {"type": "array", "minItems": 1, "items": resource_name}],
    }
    replacements = ReplacementsFile.model_json_schema(ref_template="#/$defs/{model}")
    defs.update(replacements.pop("$defs", {}))
    replacements["title"] = REPLACEMENTS_FILE
    replacements["required"] = ["allowed"]  # tells it apart from the other files
    defs["ReplacementsFile"] = replacements
    identity = EnvironmentConfig.model_json_schema()["properties"]
    defs["PlatformFile"] = {
        "title": "platform.yaml",
        "type": "object",
        "additionalProperties": False,
        "required": ["environments", "defaults"],
        "properties": {
            "environments": {
                "description": "Environment names in promotion order; each has environments/<name>.yaml.",
                "type": "array",
                "minItems": 1,
                "uniqueItems": True,
                "items": {"type": "string", "pattern": ENVIRONMENT_NAME_PATTERN},
            },
            "defaults": {"$ref": "#/$defs/Settings", "description": "The base value of every setting."},
            "variations": {
                "description": "Settings allowed to differ between environments, each with a reason.",
                "type": "object",
                "propertyNames": {"enum": setting_paths()},
                "additionalProperties": {"$ref": "#/$defs/Variation"},
            },
            "delivery": {"$ref": "#/$defs/DeliveryConfig", "description": "The delivery pipeline (optional)."},
        },
    }
    defs["EnvironmentFile"] = {
        "title": "environments/<name>.yaml",
        "type": "object",
        "additionalProperties": False,
        "required": ["account", "region"],
        "properties": {
            "account": identity["account"],
            "region": identity["region"],
            "overrides": {
                "$ref": "#/$defs/PartialSettings",
                "description": "Overrides of settings listed in platform.yaml variations only.",
            },
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "tradeinfra configuration file",
        "anyOf": [
            {"$ref": "#/$defs/PlatformFile"},
            {"$ref": "#/$defs/EnvironmentFile"},
            {"$ref": "#/$defs/AccessFile"},
            {"$ref": "#/$defs/ReplacementsFile"},
        ],
        "$defs": dict(sorted(defs.items())),
    }


def render_schema() -> str:
    return json.dumps(config_schema(), indent=2, sort_keys=False) + "\n"


def _partial(schema: dict[str, Any]) -> dict[str, Any]:
    """The same object schema with nothing required and refs to partial twins."""
    result = copy.deepcopy(schema)

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            node.pop("required", None)
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                node["$ref"] = "#/$defs/Partial" + ref.removeprefix("#/$defs/")
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(result)
    return result
