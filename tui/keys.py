"""Key bindings with ids, and the user's remapping from a TOML file.

Every binding the app offers carries an id (``inbox.open``, ``conversation.send`` ...). A user remaps keys
in ``tui.toml`` in the crossdesk user config directory::

    [keys]
    "inbox.bulk" = "B"
    "conversation.send" = "ctrl+enter,ctrl+s"

Textual applies the map by id (:meth:`textual.app.App.set_keymap`), so screens keep their defaults and a
bad entry never hides an action: unknown ids are reported, not silently dropped.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

#: Environment variable naming another config file (tests, several setups side by side).
ENV_CONFIG = "CROSSDESK_TUI_CONFIG"


def config_path() -> Path:
    """Where the TUI reads its config: ``CROSSDESK_TUI_CONFIG`` or ``tui.toml`` in the user config dir."""
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir("crossdesk", appauthor=False)) / "tui.toml"


@dataclass
class TuiConfig:
    """What the config file holds: the key map, and problems found while reading it."""

    keymap: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    path: Path | None = None


def load_config(path: Path | None = None, known_ids: set[str] | None = None) -> TuiConfig:
    """Read the config file; a missing file is an empty config, a broken one is reported in ``problems``."""
    path = path or config_path()
    config = TuiConfig(path=path)
    if not path.exists():
        return config
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        config.problems.append(f"{path}: {exc}")
        return config
    keys = data.get("keys", {})
    if not isinstance(keys, dict):
        config.problems.append(f'{path}: [keys] must be a table of binding id = "key"')
        return config
    for binding_id, key in keys.items():
        if not isinstance(key, str) or not key.strip():
            config.problems.append(f'{path}: keys.{binding_id} must be a key name such as "ctrl+s"')
        elif known_ids is not None and binding_id not in known_ids:
            config.problems.append(f"{path}: keys.{binding_id} is not a binding id (see `?` for the list)")
        else:
            config.keymap[binding_id] = key.replace(" ", "")
    return config
