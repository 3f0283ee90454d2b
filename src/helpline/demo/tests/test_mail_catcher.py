"""The demo's mail catcher command: listens where it is told, stores every message it is
sent as an .eml file, and stops cleanly on Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import re
import signal
import smtplib
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path


def test_mail_catcher_stores_each_message_as_an_eml_file_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "mail"
    env = {**os.environ, "HELPLINE_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "helpline", "mail_catcher", "--port", "0", "--dir", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"127\.0\.0\.1:(\d+)", line)
        assert found, line + (proc.stderr.read() if proc.stderr else "")
        msg = EmailMessage()
        msg["From"] = "Comune <urp@comune.example>"
        msg["To"] = "maria@example.org"
        msg["Subject"] = "[VAL-2025-0000001] Abbiamo ricevuto la sua richiesta"
        msg.set_content("Gentile Maria, l'intervento è registrato.")
        with smtplib.SMTP("127.0.0.1", int(found.group(1)), timeout=30) as client:
            assert client.send_message(msg) == {}
        files = list(folder.glob("*.eml"))
        assert len(files) == 1 and "maria@example.org" in files[0].name
        raw = files[0].read_bytes()
        assert b"Subject: [VAL-2025-0000001]" in raw
        assert b"X-Catcher-Rcpt-To: maria@example.org" in raw
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_mail_catcher_says_so_when_its_port_is_taken(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "helpline", "mail_catcher", "--port", str(port)],
            capture_output=True,
            text=True,
            env={**os.environ, "HELPLINE_DATA_DIR": str(tmp_path)},
            timeout=60,
        )
    assert done.returncode == 1
    assert f"cannot catch mail on 127.0.0.1:{port}" in done.stderr
