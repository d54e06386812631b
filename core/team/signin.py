"""Sign-in: passwords (scrypt), sessions that expire, operating-system user names, rate-limited failures.

- A password is stored as ``scrypt$<n>$<r>$<p>$<salt>$<key>`` (:func:`hashlib.scrypt`, memory-hard, in the
  standard library: no native dependency to build), never in a reversible form.
- A session is a random token given to the signed-in agent once; the desk keeps only its SHA-256 and its
  expiry (``sessions``), so the table holds nothing that signs anyone in.
- Failed attempts are audited (``signin.fail``); from the 10th wrong try for a name within a minute each
  further try waits ``slow_down`` seconds (doubling, at most a minute) before it is checked.
- A desk is **shared** when an active agent has a password or an operating-system user name: then who acts
  must be signed in or mapped (docs/team.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

from crossdesk.errors import DeskError, NotFound
from crossdesk.models import Actor
from crossdesk.store import Store
from crossdesk.team.roles import actor_of

#: scrypt cost: 16 MiB of memory per hash (n * r * 128 bytes), about 50 ms.
N, R, P = 2**14, 8, 1
MIN_LENGTH = 8
WINDOW = 60  # seconds in which failed tries are counted
FREE_TRIES = 9  # the 10th wrong try in a window is slowed down
SLOW_DOWN = 2.0  # seconds for the first slowed try, doubling
SESSION_TTL = 12 * 3600


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, maxmem=64 * 1024 * 1024, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${N}${R}${P}${b64(salt).decode()}${b64(key).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, key = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=64 * 1024 * 1024,
            dklen=len(base64.b64decode(key)),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(key))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SignInFailed(DeskError):
    """A wrong name or password (the message never says which)."""


class SignInService:
    """``desk.team.signin``: passwords, sessions, OS user names, failed attempts."""

    def __init__(self, store: Store, sleep: Callable[[float], None] = time.sleep) -> None:
        self.store = store
        self.sleep = sleep

    def shared(self) -> bool:
        """Whether the desk is shared: an active agent has a password or an OS user name."""
        return bool(
            self.store.db.execute(
                "SELECT 1 FROM agents WHERE active = 1 AND (password_hash IS NOT NULL OR os_user IS NOT NULL) "
                "LIMIT 1"
            ).fetchone()
        )

    def has_passwords(self) -> bool:
        """Whether an active agent has a password (``crossdesk serve`` needs one)."""
        return bool(
            self.store.db.execute(
                "SELECT 1 FROM agents WHERE active = 1 AND password_hash IS NOT NULL LIMIT 1"
            ).fetchone()
        )

    def set_password(self, actor: Actor, agent_id: int, password: str) -> None:
        """Set an agent's password: the agent themself, or ``manage_settings``. Audited without the hash."""
        store = self.store
        if actor.agent_id != agent_id:
            store.require(actor, "manage_settings")
        if len(password) < MIN_LENGTH:
            raise DeskError(f"a password needs at least {MIN_LENGTH} characters")
        row = store.get("agents", agent_id)
        with store.tx():
            store.update("agents", agent_id, {"password_hash": hash_password(password)})
            store.audit(
                actor, "agent.password", "agent", agent_id, None, {"agent": row["name"], "password": "set"}
            )

    def _actor(self, row: tuple) -> Actor:
        return actor_of(self.store, row[0], row[1], row[2])

    def authenticate(self, name: str, password: str) -> Actor:
        """The agent ``name`` if ``password`` is theirs; SignInFailed otherwise (audited, rate-limited)."""
        store = self.store
        now = store.now()
        failures = store.db.execute(
            "SELECT count(*) FROM audit WHERE action = 'signin.fail' AND at > ? "
            "AND json_extract(after, '$.name') = ?",
            [now - WINDOW, name],
        ).fetchone()[0]
        slowed = 0.0
        if failures >= FREE_TRIES:
            slowed = min(60.0, SLOW_DOWN * 2 ** (failures - FREE_TRIES))
            self.sleep(slowed)
        row = store.db.execute(
            "SELECT id, name, role, active, password_hash FROM agents WHERE name = ?", [name]
        ).fetchone()
        system = Actor.system("sign-in")
        ok = bool(row and row[3] and row[4] and verify_password(password, row[4]))
        with store.tx():
            after = {"name": name, "slowed_s": slowed} if slowed else {"name": name}
            store.audit(
                system, "signin.ok" if ok else "signin.fail", "agent", row[0] if row else None, None, after
            )
        if not ok:
            raise SignInFailed("wrong agent name or password")
        return self._actor(row)

    def open_session(self, actor: Actor, ttl: int = SESSION_TTL) -> str:
        """A new session for a signed-in agent: the token (kept by the caller, only its hash here)."""
        if actor.agent_id is None:
            raise DeskError("only an agent of the desk has a session")
        token = secrets.token_urlsafe(32)
        now = self.store.now()
        with self.store.tx():
            self.store.db.execute("DELETE FROM sessions WHERE expires_at <= ?", [now])
            self.store.insert(
                "sessions",
                {
                    "token_hash": token_hash(token),
                    "agent_id": actor.agent_id,
                    "created_at": now,
                    "expires_at": now + ttl,
                },
            )
            self.store.audit(actor, "session.open", "agent", actor.agent_id, None, {"expires_at": now + ttl})
        return token

    def session_actor(self, token: str) -> Actor | None:
        """The agent of a live session, None when the token is unknown or expired."""
        row = self.store.db.execute(
            "SELECT a.id, a.name, a.role, a.active FROM sessions s JOIN agents a ON a.id = s.agent_id "
            "WHERE s.token_hash = ? AND s.expires_at > ?",
            [token_hash(token), self.store.now()],
        ).fetchone()
        return self._actor(row) if row and row[3] else None

    def close_session(self, token: str) -> bool:
        with self.store.tx():
            return bool(
                self.store.db.execute(
                    "DELETE FROM sessions WHERE token_hash = ?", [token_hash(token)]
                ).rowcount
            )

    def os_actor(self, os_user: str) -> Actor | None:
        """The active agent mapped to the operating-system user ``os_user``."""
        row = self.store.db.execute(
            "SELECT id, name, role, active FROM agents WHERE os_user = ?", [os_user]
        ).fetchone()
        if row is None:
            return None
        if not row[3]:
            raise DeskError(f"agent {row[1]!r} (OS user {os_user}) is deactivated")
        return self._actor(row)

    def agent_id(self, name: str) -> int:
        row = self.store.db.execute("SELECT id FROM agents WHERE name = ?", [name]).fetchone()
        if row is None:
            raise NotFound(f"no agent named {name!r} on this desk")
        return int(row[0])
