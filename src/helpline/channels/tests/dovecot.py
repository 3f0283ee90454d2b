"""A throwaway Debian dovecot serving IMAP on a free loopback port (no system service).

Installed by ``scripts/ensure-dovecot`` (which ``make test`` runs). The configuration,
mailboxes, logs and sockets live in a temporary directory; users are in a passwd-file with
plain passwords; mail is stored as the ``dovecot`` system user (dovecot refuses UID 0).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"

CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
default_login_user = dovenull
default_internal_user = dovecot
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def available() -> bool:
    return os.path.exists(DOVECOT) and os.geteuid() == 0


@contextmanager
def dovecot(users: dict[str, str]) -> Iterator[int]:
    """Run dovecot with ``users`` (name -> password); yields the IMAP port."""
    root = Path(tempfile.mkdtemp(prefix="helpline-dovecot-"))
    os.chmod(root, 0o755)
    mail_user = pwd.getpwnam("dovecot")
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    for sub in ("mail", "home"):
        os.chown(root / sub, mail_user.pw_uid, mail_user.pw_gid)
    (root / "passwd").write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in users.items()))
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(CONFIG.format(root=root, port=port, uid=mail_user.pw_uid, gid=mail_user.pw_gid))
    proc = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log = (
                        (root / "dovecot.log").read_text()
                        if (root / "dovecot.log").exists()
                        else ""
                    )
                    err = proc.stderr.read() if proc.stderr else b""
                    raise RuntimeError(f"dovecot did not start: {err!r} {log}") from None
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(root, ignore_errors=True)
