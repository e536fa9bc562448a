"""Which declared variation explains a difference, and the value the
configuration says each environment must have there."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.models import Effect
from tradeinfra.parity.normalize import canonical

STACK_SETTINGS = "(stack)"


@dataclass(frozen=True)
class Explanation:
    setting: str
    effect: Effect


class Explainer:
    def __init__(self, platform: PlatformConfig) -> None:
        self._platform = platform
        self._dumps: dict[str, dict[str, Any]] = {}
        self._effects = [
            (setting, effect) for setting, variation in platform.variations.items() for effect in variation.effects()
        ]

    def affects(self, stack: str, resource: str) -> bool:
        """True when some declared variation may change this resource."""
        return bool(self._effects_for(f"{stack}/{resource}"))

    def explain(self, stack: str, resource: str, path: str) -> Explanation | None:
        for setting, effect, target_path in self._effects_for(f"{stack}/{resource}"):
            if fnmatchcase(path, target_path):
                return Explanation(setting, effect)
        return None

    @lru_cache(maxsize=65536)  # noqa: B019  (one Explainer per run; addresses repeat across environments)
    def _effects_for(self, address: str) -> tuple[tuple[str, Effect, str], ...]:
        found = []
        for setting, effect in self._effects:
            target_resource, _, target_path = effect.target.partition(":")
            if fnmatchcase(address, target_resource):
                found.append((setting, effect, target_path))
        return tuple(found)

    def expected(self, explanation: Explanation, environment: str) -> Any:
        """The template value the config resolves for `environment` (canonical form)."""
        setting_value = self.setting_value(explanation.setting, environment)
        mapping = explanation.effect.values
        if mapping is None:
            return canonical(setting_value)
        key = canonical(setting_value) if setting_value is not None else "null"
        return canonical(mapping.get(str(key)))

    def setting_value(self, setting: str, environment: str) -> Any:
        if environment not in self._dumps:
            self._dumps[environment] = self._platform.environment(environment).model_dump(mode="json")
        node: Any = self._dumps[environment]
        for part in setting.split("."):
            node = node[part]
        return node

    def acknowledgment_explained(self, rule: str) -> str | None:
        for setting, variation in self._platform.variations.items():
            if rule in variation.acknowledgments:
                return setting
        return None
