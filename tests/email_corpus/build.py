# ruff: noqa: E501  (raw message bytes are kept on their real lines)
"""Writes the e-mail corpus (``*.eml`` + ``expected.json``) the intake tests replay.

The messages are written byte by byte, not with the stdlib generator, so that they carry the
defects of real mail: wrong or missing charsets, raw 8-bit headers, broken MIME. Run
``python tests/email_corpus/build.py`` after changing it; the files are committed. The
one message too big to commit (an attachment over the 10 MB limit) is built at test time by
``big_message()``.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
MSGS: dict[str, bytes] = {}
EXPECTED: dict[str, dict[str, object]] = {}

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
TIFF = b"II*\x00\x08\x00\x00\x00\x00\x00" + b"\x00" * 64


def b64(data: bytes) -> bytes:
    enc = base64.b64encode(data)
    return b"\n".join(enc[i : i + 76] for i in range(0, len(enc), 76))


def add(
    filename: str, raw: bytes, *, mailbox: str = "email", crlf: bool = False, **expect: object
) -> None:
    raw = raw.lstrip(b"\n")
    if crlf:
        raw = raw.replace(b"\n", b"\r\n")
    MSGS[filename] = raw
    EXPECTED[filename] = {"mailbox": mailbox, **expect}


def hdr(
    msgid: str,
    frm: bytes = b"Maria Rossi <maria.rossi@example.it>",
    subject: bytes = b"Lampione spento",
    extra: bytes = b"",
) -> bytes:
    return (
        b"Return-Path: <" + (frm.split(b"<")[-1].rstrip(b">") if b"<" in frm else frm) + b">\n"
        b"Received: from mx.example.it (mx.example.it [192.0.2.10]) by mail.comune.example; Mon, 9 Nov 2026 09:12:01 +0100\n"
        b"From: " + frm + b"\n"
        b"To: Ufficio Relazioni <urp@comune.example>\n"
        b"Subject: " + subject + b"\n"
        b"Date: Mon, 9 Nov 2026 09:12:00 +0100\n"
        b"Message-ID: <" + msgid.encode() + b">\n" + extra
    )


# --- charsets -----------------------------------------------------------------------------
add(
    "01_plain_utf8.eml",
    hdr("c01@example.it")
    + b"""MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Buongiorno, il lampione di via Verdi 12 \xc3\xa8 spento da tre giorni.
Grazie, Maria
""",
    state="case_opened",
    contains=["via Verdi 12 è spento"],
    requester="maria.rossi@example.it",
)

add(
    "02_latin1.eml",
    hdr("c02@example.it", subject=b"=?ISO-8859-1?Q?Citt=E0_pi=F9_pulita?=")
    + b"""MIME-Version: 1.0
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

La citt=E0 dovrebbe essere pi=F9 pulita: i cestini in piazza sono pieni.
""",
    state="case_opened",
    contains=["città", "più pulita"],
    title="Città più pulita",
)

add(
    "03_cp1252_quotes.eml",
    hdr("c03@example.it", subject=b"Fattura \x80 120")
    + b"""MIME-Version: 1.0
Content-Type: text/plain; charset=windows-1252
Content-Transfer-Encoding: 8bit

Ho ricevuto la fattura \x93n. 45\x94 di \x80 120, ma ho gi\xe0 pagato.
""",
    state="case_opened",
    contains=["“n. 45”", "€ 120", "già"],
    title="Fattura € 120",
)

add(
    "04_iso8859_2_czech.eml",
    hdr(
        "c04@example.cz",
        frm=b"=?iso-8859-2?Q?Ji=F8=ED_Nov=E1k?= <jiri.novak@example.cz>",
        subject=b"=?iso-8859-2?Q?Pou=E8en=ED?=",
    )
    + b"""MIME-Version: 1.0
Content-Type: text/plain; charset=iso-8859-2
Content-Transfer-Encoding: 8bit

Dobr\xfd den, \xbe\xe1d\xe1m o opravu ve\xf8ejn\xe9ho osv\xectlen\xed v ulici \xa9kolsk\xe1.
""",
    state="case_opened",
    contains=["Dobrý den, žádám o opravu veřejného osvětlení", "Školská"],
    name="Jiří Novák",
)

add(
    "05_windows1250_czech.eml",
    hdr("c05@example.cz", frm=b"Petra Svobodova <petra@example.cz>", subject=b"Reklamace")
    + b"""MIME-Version: 1.0
Content-Type: text/plain; charset=windows-1250
Content-Transfer-Encoding: 8bit

Dobr\xfd den, reklamuji vy\xfa\xe8tov\xe1n\xed za vodu. \x9akoda.
""",
    state="case_opened",
    contains=["vyúčtování", "škoda"],
)

GB = "您好，我家门口的路灯坏了，请尽快修理。𠀋".encode("gb18030")
add(
    "06_gb18030_declared_gb2312.eml",
    hdr(
        "c06@example.cn",
        frm=b"Li Wei <li.wei@example.cn>",
        subject=b"=?gb2312?B?" + base64.b64encode("路灯坏了".encode("gb2312")) + b"?=",
    )
    + b"""MIME-Version: 1.0
Content-Type: text/plain; charset=gb2312
Content-Transfer-Encoding: base64

"""
    + b64(GB)
    + b"\n",
    state="case_opened",
    contains=["路灯坏了", "𠀋"],
    title="路灯坏了",
)

add(
    "07_utf8_labelled_latin1.eml",
    hdr("c07@example.br", frm=b"Joao Silva <joao@example.com.br>", subject=b"Falta de agua")
    + b"""MIME-Version: 1.0
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: 8bit

Est\xc3\xa1 faltando \xc3\xa1gua na rua S\xc3\xa3o Jo\xc3\xa3o desde ontem. Solicita\xc3\xa7\xc3\xa3o urgente.
""",
    state="case_opened",
    contains=["Está faltando água na rua São João", "Solicitação"],
)

add(
    "08_no_charset_utf8.eml",
    hdr("c08@example.it", subject=b"Buca in strada")
    + b"""MIME-Version: 1.0
Content-Type: text/plain

C'\xc3\xa8 una buca profonda davanti al civico 3, \xc3\xa8 pericolosa.
""",
    state="case_opened",
    contains=["C'è una buca"],
)

add(
    "09_missing_content_type_latin1.eml",
    hdr("c09@example.it", subject=b"Rifiuti")
    + b"""
I rifiuti non sono stati raccolti luned\xec. Perch\xe9?
""",
    state="case_opened",
    contains=["lunedì", "Perché"],
)

add(
    "10_unknown_charset.eml",
    hdr("c10@example.it", subject=b"Segnalazione")
    + b"""MIME-Version: 1.0
Content-Type: text/plain; charset="x-user-defined-foo"
Content-Transfer-Encoding: 8bit

Il semaforo \xc3\xa8 guasto.
""",
    state="case_opened",
    contains=["semaforo è guasto"],
)

add(
    "11_iso2022jp.eml",
    hdr(
        "c11@example.jp",
        frm=b"Tanaka <tanaka@example.jp>",
        subject=b"=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=",
    )
    + b"""MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-2022-JP
Content-Transfer-Encoding: 7bit

"""
    + "街灯が壊れています。".encode("iso-2022-jp")
    + b"\n",
    state="case_opened",
    contains=["街灯が壊れています"],
    title="こんにちは",
)

add(
    "12_8bit_headers.eml",
    hdr(
        "c12@example.it",
        frm=b"Lucia Bianchi N\xc3\xb2 <lucia@example.it>",
        subject=b"Perdita d'acqua in via Pi\xc3\xb9",
    )
    + b"""MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Perdita d'acqua dal tombino.
""",
    state="case_opened",
    title="Perdita d'acqua in via Più",
    name="Lucia Bianchi Nò",
)

add(
    "13_8bit_headers_latin1.eml",
    hdr(
        "c13@example.it",
        frm=b"Andr\xe9 Dupont <andre@example.fr>",
        subject=b"Probl\xe8me d'\xe9clairage",
    )
    + b"""MIME-Version: 1.0
Content-Type: text/plain; charset=iso-8859-1

Bonjour, probl\xe8me.
""",
    state="case_opened",
    title="Problème d'éclairage",
    name="André Dupont",
)

add(
    "14_rfc2047_mixed_subject.eml",
    hdr(
        "c14@example.it",
        subject=b"=?UTF-8?B?U2VnbmFsYXppb25l?= =?UTF-8?Q?_n=C2=B0_3_=E2=80=93_via?= Roma",
    )
    + b"""MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Testo.
""",
    state="case_opened",
    title="Segnalazione n° 3 – via Roma",
)

# --- structure ----------------------------------------------------------------------------
add(
    "15_alternative.eml",
    hdr("c15@example.it", subject=b"Orari ufficio")
    + b"""MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt1"

--alt1
Content-Type: text/plain; charset=utf-8

Quali sono gli orari dell'ufficio anagrafe?
--alt1
Content-Type: text/html; charset=utf-8

<html><body><p>Quali sono gli <b>orari</b> dell'ufficio anagrafe?</p></body></html>
--alt1--
""",
    state="case_opened",
    contains=["orari dell'ufficio anagrafe"],
    not_contains=["<b>"],
)

add(
    "16_html_only.eml",
    hdr("c16@example.it", subject=b"Albero caduto")
    + b"""MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><head><style>p{color:red}</style><script>alert('x')</script></head>
<body><p>Un albero &egrave; caduto sulla strada.</p><p>Via&nbsp;Dante&nbsp;5</p><img src="http://tracker.example/p.gif"></body></html>
""",
    state="case_opened",
    contains=["Un albero è caduto sulla strada.", "Via Dante 5"],
    not_contains=["alert", "color:red", "<p>"],
)

add(
    "17_html_only_table.eml",
    hdr("c17@example.it", subject=b"Dati contatore")
    + b"""MIME-Version: 1.0
Content-Type: text/html; charset="windows-1252"
Content-Transfer-Encoding: quoted-printable

<table><tr><td>Contatore</td><td>12345</td></tr><tr><td>Lettura</td><td>678 m=B3</td></tr></table>
""",
    state="case_opened",
    contains=["Contatore 12345", "678 m³"],
)

add(
    "18_forwarded_rfc822.eml",
    hdr(
        "c18@example.it",
        frm=b"Ufficio Tecnico <tecnico@example.it>",
        subject=b"Fwd: Segnalazione buca",
    )
    + b"""MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="fwd"

--fwd
Content-Type: text/plain; charset=utf-8

Vi inoltro la segnalazione del cittadino.

--fwd
Content-Type: message/rfc822

From: Giorgio Verdi <giorgio@example.it>
Subject: Buca pericolosa
Date: Sun, 8 Nov 2026 18:00:00 +0100
Message-ID: <inner18@example.it>
Content-Type: multipart/mixed; boundary="in"

--in
Content-Type: text/plain; charset=utf-8

C'\xc3\xa8 una buca in via Garibaldi.
--in
Content-Type: image/png
Content-Disposition: attachment; filename="buca.png"
Content-Transfer-Encoding: base64

"""
    + b64(PNG)
    + b"""
--in--

--fwd--
""",
    state="case_opened",
    contains=["Vi inoltro", "Forwarded message", "From: Giorgio Verdi", "buca in via Garibaldi"],
    attachments=["buca.png"],
)

add(
    "19_forwarded_inline.eml",
    hdr("c19@example.it", subject=b"I: Richiesta")
    + b"""MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

---------- Messaggio inoltrato ----------
Da: Anna <anna@example.it>
Oggetto: Richiesta

Vorrei informazioni sulla TARI.
""",
    state="case_opened",
    contains=["informazioni sulla TARI"],
)

add(
    "20_inline_image_related.eml",
    hdr("c20@example.it", subject=b"Foto del guasto")
    + b"""MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="a"

--a
Content-Type: text/plain; charset=utf-8

Ecco la foto del guasto.
--a
Content-Type: multipart/related; boundary="r"

--r
Content-Type: text/html; charset=utf-8

<p>Ecco la foto del guasto.<img src="cid:foto1@example"></p>
--r
Content-Type: image/png; name="foto.png"
Content-ID: <foto1@example>
Content-Disposition: inline; filename="foto.png"
Content-Transfer-Encoding: base64

"""
    + b64(PNG)
    + b"""
--r--
--a--
""",
    state="case_opened",
    contains=["Ecco la foto del guasto."],
    attachments=["foto.png"],
)

add(
    "21_pdf_attachment.eml",
    hdr("c21@example.it", subject=b"Modulo compilato")
    + b"""MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/plain; charset=utf-8

In allegato il modulo.
--m
Content-Type: application/pdf; name="modulo.pdf"
Content-Disposition: attachment; filename="modulo.pdf"
Content-Transfer-Encoding: base64

"""
    + b64(PDF)
    + b"""
--m--
""",
    state="case_opened",
    attachments=["modulo.pdf"],
    crlf=True,
)

add(
    "22_rfc2231_filename.eml",
    hdr("c22@example.br", frm=b"Ana <ana@example.com.br>", subject=b"Relatorio")
    + b"""MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/plain; charset=utf-8

Segue o relat\xc3\xb3rio.
--m
Content-Type: application/pdf
Content-Disposition: attachment; filename*=UTF-8''relat%C3%B3rio%20m%C3%AAs.pdf
Content-Transfer-Encoding: base64

"""
    + b64(PDF)
    + b"""
--m--
""",
    state="case_opened",
    attachments=["relatório mês.pdf"],
)

add(
    "23_rfc2047_filename.eml",
    hdr("c23@example.cz", frm=b"Karel <karel@example.cz>", subject=b"Faktura")
    + b"""MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/plain; charset=utf-8

P\xc5\x99\xc3\xadloha.
--m
Content-Type: application/pdf; name="=?UTF-8?Q?fakt=C5=AFra_=C4=8D=2E1.pdf?="
Content-Disposition: attachment; filename="=?UTF-8?Q?fakt=C5=AFra_=C4=8D=2E1.pdf?="
Content-Transfer-Encoding: base64

"""
    + b64(PDF)
    + b"""
--m--
""",
    state="case_opened",
    attachments=["fakt\u016fra \u010d.1.pdf"],
)

add(
    "24_attachment_without_name.eml",
    hdr("c24@example.it", subject=b"Allegato")
    + b"""MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/plain

Vedi allegato.
--m
Content-Type: application/pdf
Content-Transfer-Encoding: base64

"""
    + b64(PDF)
    + b"""
--m--
""",
    state="case_opened",
    attachments=["attachment-1.pdf"],
)

add(
    "25_empty_body.eml",
    hdr("c25@example.it", subject=b"Richiamatemi")
    + b"""MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

""",
    state="case_opened",
    title="Richiamatemi",
    contains=["(no text)"],
)

add(
    "26_no_subject_no_body.eml",
    b"""From: Mario <mario@example.it>
To: urp@comune.example
Message-ID: <c26@example.it>
Date: Mon, 9 Nov 2026 10:00:00 +0100

""",
    state="case_opened",
    title="(no subject)",
)

add(
    "27_attachment_only.eml",
    hdr("c27@example.it", subject=b"")
    + b"""MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: image/png; name="guasto.png"
Content-Disposition: attachment; filename="guasto.png"
Content-Transfer-Encoding: base64

"""
    + b64(PNG)
    + b"""
--m--
""",
    state="case_opened",
    attachments=["guasto.png"],
)

add(
    "28_multipart_without_boundary.eml",
    hdr("c28@example.it", subject=b"Rotto")
    + b"""MIME-Version: 1.0
Content-Type: multipart/mixed

Il cassonetto \xc3\xa8 rotto.
""",
    state="case_opened",
)

add(
    "29_truncated_multipart.eml",
    hdr("c29@example.it", subject=b"Troncato")
    + b"""MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="cut"

--cut
Content-Type: text/plain; charset=utf-8

Messaggio troncato dal server.
--cut
Content-Type: application/pdf; name="a.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBS
""",
    state="case_opened",
    contains=["Messaggio troncato dal server."],
)

add(
    "30_broken_base64.eml",
    hdr("c30@example.it", subject=b"Base64 rotto")
    + b"""MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

QnVvbmdpb3JubyEgSWwgcG9udGUg***non base64***
--m
Content-Type: application/octet-stream; name="dati.bin"
Content-Disposition: attachment; filename="dati.bin"
Content-Transfer-Encoding: base64

%%%%=====
--m--
""",
    state="case_opened",
)

add(
    "31_bad_date_long_subject.eml",
    b"""From: Utente <utente@example.it>
To: urp@comune.example
Subject: """
    + b"Segnalazione molto lunga " * 30
    + b"""
Date: yesterday at noon-ish
Message-ID: <c31@example.it>
Content-Type: text/plain

Oggetto lunghissimo.
""",
    state="case_opened",
    title_max=200,
)

add(
    "32_no_message_id.eml",
    b"""From: Senza Id <senzaid@example.it>
To: urp@comune.example
Subject: Senza Message-ID
Date: Mon, 9 Nov 2026 11:00:00 +0100
Content-Type: text/plain; charset=utf-8

Un messaggio senza Message-ID.
""",
    state="case_opened",
)

add(
    "33_invalid_from.eml",
    b"""From: "Qualcuno" <non-un-indirizzo>
To: urp@comune.example
Subject: Mittente rotto
Message-ID: <c33@example.it>
Content-Type: text/plain

Il mittente non ha un indirizzo valido.
""",
    state="case_opened",
    requester=None,
)

add(
    "34_calendar_and_tnef.eml",
    hdr("c34@example.it", subject=b"Appuntamento")
    + b"""MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/plain; charset=utf-8

Propongo un appuntamento.
--m
Content-Type: text/calendar; method=REQUEST; name="invite.ics"
Content-Disposition: attachment; filename="invite.ics"

BEGIN:VCALENDAR
END:VCALENDAR
--m
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Disposition: attachment; filename="winmail.dat"
Content-Transfer-Encoding: base64

eJ8+IgAAAQaQCAAEAAAAAAABAAEAAQeQBgAIAAAA5AQAAAAAAADoAAEIgAcAGAAAAElQTS5NaWNy
--m--
""",
    state="case_opened",
    attachments=["invite.ics", "winmail.dat"],
)

add(
    "35_signed_smime.eml",
    hdr("c35@example.it", subject=b"Firmato")
    + b"""MIME-Version: 1.0
Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="s"

--s
Content-Type: text/plain; charset=utf-8

Messaggio firmato digitalmente.
--s
Content-Type: application/pkcs7-signature; name="smime.p7s"
Content-Disposition: attachment; filename="smime.p7s"
Content-Transfer-Encoding: base64

MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCAMIIF
--s--
""",
    state="case_opened",
    contains=["Messaggio firmato digitalmente."],
    attachments=[],
)

# --- never a case -------------------------------------------------------------------------
add(
    "40_auto_submitted.eml",
    hdr("c40@example.it", subject=b"Risposta: Lampione")
    + b"""Auto-Submitted: auto-replied
Content-Type: text/plain

Sono fuori ufficio fino al 20.
""",
    state="ignored",
    reason="auto-submitted",
)

add(
    "41_x_autoreply.eml",
    hdr("c41@example.com", subject=b"Thanks for your mail")
    + b"""X-Autoreply: yes
Content-Type: text/plain

I will answer soon.
""",
    state="ignored",
    reason="auto-reply",
)

add(
    "42_precedence_bulk.eml",
    hdr("c42@example.com", frm=b"Newsletter <news@example.com>", subject=b"Offerte di novembre")
    + b"""Precedence: bulk
Content-Type: text/plain

Offerte.
""",
    state="ignored",
    reason="precedence",
)

add(
    "43_dsn_bounce.eml",
    hdr(
        "c43@mx.example.it",
        frm=b"Mail Delivery System <MAILER-DAEMON@mx.example.it>",
        subject=b"Undelivered Mail Returned to Sender",
    )
    + b"""MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="r"

--r
Content-Type: text/plain

This is the mail system. Your message could not be delivered.
--r
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.it
Final-Recipient: rfc822; nobody@example.it
Action: failed
Status: 5.1.1
--r--
""",
    state="ignored",
    reason="bounce",
)

add(
    "44_mailer_daemon_plain.eml",
    hdr("c44@mx.example.it", frm=b"MAILER-DAEMON@mx.example.it", subject=b"Returned mail")
    + b"""Content-Type: text/plain

The following address failed.
""",
    state="ignored",
    reason="bounce",
)

add(
    "45_null_return_path.eml",
    b"""Return-Path: <>
From: Postino <notify@example.org>
To: urp@comune.example
Subject: Notification
Message-ID: <c45@example.org>
Content-Type: text/plain

Notice.
""",
    state="ignored",
    reason="bounce",
)

add(
    "46_loop_header.eml",
    hdr(
        "c46@comune.example",
        frm=b"Cittadino <cittadino@example.it>",
        subject=b"Re: [CMN] ricevuta",
        extra=b"X-Helpline-Loop: 1\n",
    )
    + b"""Content-Type: text/plain

Looping.
""",
    state="ignored",
    reason="loop",
)

add(
    "47_from_our_mailbox.eml",
    hdr("c47@comune.example", frm=b"URP <urp@comune.example>", subject=b"Copia")
    + b"""Content-Type: text/plain

Our own address.
""",
    state="ignored",
    reason="loop",
)

add(
    "48_too_many_hops.eml",
    b"Received: from a by b; Mon, 9 Nov 2026 09:00:00 +0100\n" * 35
    + hdr("c48@example.it", subject=b"Hop")
    + b"""Content-Type: text/plain

Loop between relays.
""",
    state="ignored",
    reason="loop",
)

add(
    "49_out_of_office_subject.eml",
    hdr("c49@example.it", subject=b"Risposta automatica: Lampione spento")
    + b"""Content-Type: text/plain

Sono in ferie.
""",
    state="ignored",
    reason="auto-reply",
)

add(
    "50_auto_generated_outlook.eml",
    hdr("c50@example.com", subject=b"Automatic reply: your request")
    + b"""Auto-Submitted: auto-generated
X-Auto-Response-Suppress: All
Content-Type: text/plain

OOF.
""",
    state="ignored",
    reason="auto-submitted",
)

# --- duplicates and threading -------------------------------------------------------------
add(
    "51_duplicate_of_01_with_relay_header.eml",
    b"X-Relay: second-path\n" + MSGS["01_plain_utf8.eml"],
    state="duplicate",
    duplicate_of="01_plain_utf8.eml",
)

add(
    "52_reply_in_reply_to.eml",
    hdr(
        "c52@example.it",
        subject=b"Re: Lampione spento",
        extra=b"In-Reply-To: <c01@example.it>\nReferences: <c01@example.it>\n",
    )
    + b"""Content-Type: text/plain; charset=utf-8

Aggiungo: anche il lampione accanto \xc3\xa8 spento.
""",
    state="added",
    thread_of="01_plain_utf8.eml",
)

add(
    "53_reply_references_only.eml",
    hdr(
        "c53@example.it",
        subject=b"Lampione, ancora",
        extra=b"References: <unknown@x> <c52@example.it>\n",
    )
    + b"""Content-Type: text/plain; charset=utf-8

Ancora spento.
""",
    state="added",
    thread_of="01_plain_utf8.eml",
)


# --- PEC ----------------------------------------------------------------------------------
def daticert(tipo: str, msgid: str, errore: str = "nessuno") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<postacert tipo="{tipo}" errore="{errore}">
  <intestazione>
    <mittente>protocollo@pec.comune.example</mittente>
    <destinatari tipo="certificato">studio.legale@pec.example.it</destinatari>
    <risposte>protocollo@pec.comune.example</risposte>
    <oggetto>Comunicazione</oggetto>
  </intestazione>
  <dati>
    <gestore-emittente>Aruba PEC S.p.A.</gestore-emittente>
    <data zona="+0100"><giorno>09/11/2026</giorno><ora>10:15:30</ora></data>
    <identificativo>opec21001.20261109101530.12345.67.1.1@pec.aruba.it</identificativo>
    <msgid>&lt;{msgid}&gt;</msgid>
  </dati>
</postacert>
""".encode()


add(
    "60_pec_envelope.eml",
    b"""Return-Path: <posta-certificata@pec.aruba.it>
From: "Per conto di: studio.legale@pec.example.it" <posta-certificata@pec.aruba.it>
To: protocollo@pec.comune.example
Subject: POSTA CERTIFICATA: Diffida lavori stradali
Date: Mon, 9 Nov 2026 10:15:30 +0100
Message-ID: <opec21001.20261109101530.99.1.1@pec.aruba.it>
X-Trasporto: posta-certificata
X-Riferimento-Message-ID: <diffida-60@example.it>
MIME-Version: 1.0
Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="sig"

--sig
Content-Type: multipart/mixed; boundary="env"

--env
Content-Type: text/plain; charset=utf-8

Messaggio di posta certificata
Il giorno 09/11/2026 alle ore 10:15:30 il messaggio "Diffida lavori stradali" \xc3\xa8 stato inviato da "studio.legale@pec.example.it".
--env
Content-Type: application/xml; name="daticert.xml"
Content-Disposition: inline; filename="daticert.xml"

"""
    + daticert("posta-certificata", "diffida-60@example.it").replace(
        b"protocollo@pec.comune.example</mittente>", b"studio.legale@pec.example.it</mittente>"
    )
    + b"""
--env
Content-Type: message/rfc822; name="postacert.eml"
Content-Disposition: inline; filename="postacert.eml"

From: Studio Legale <studio.legale@pec.example.it>
To: protocollo@pec.comune.example
Subject: Diffida lavori stradali
Message-ID: <diffida-60@example.it>
Date: Mon, 9 Nov 2026 10:15:00 +0100
Content-Type: multipart/mixed; boundary="inner"

--inner
Content-Type: text/plain; charset=utf-8

Si diffida il Comune a completare i lavori in via Manzoni entro 30 giorni.
--inner
Content-Type: application/pdf; name="diffida.pdf"
Content-Disposition: attachment; filename="diffida.pdf"
Content-Transfer-Encoding: base64

"""
    + b64(PDF)
    + b"""
--inner--

--env--

--sig
Content-Type: application/pkcs7-signature; name="smime.p7s"
Content-Disposition: attachment; filename="smime.p7s"
Content-Transfer-Encoding: base64

MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCAMIIF
--sig--
""",
    mailbox="pec",
    state="case_opened",
    channel="pec",
    requester="studio.legale@pec.example.it",
    title="Diffida lavori stradali",
    contains=["via Manzoni"],
    attachments=["diffida.pdf"],
    crlf=True,
)


def receipt(
    name: str, kind: str, subject_prefix: str, msgid: str, errore: str = "nessuno"
) -> bytes:
    return (
        b"From: posta-certificata@pec.aruba.it\n"
        b"To: protocollo@pec.comune.example\n"
        b"Subject: " + subject_prefix.encode() + b": Comunicazione\n"
        b"Date: Mon, 9 Nov 2026 10:15:31 +0100\n"
        b"Message-ID: <" + name.encode() + b"@pec.aruba.it>\n"
        b"X-Ricevuta: " + kind.encode() + b"\n"
        b"X-Riferimento-Message-ID: <" + msgid.encode() + b">\n"
        b"MIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="rc"\n\n'
        b"--rc\nContent-Type: text/plain; charset=utf-8\n\nRicevuta di " + kind.encode() + b"\n"
        b'--rc\nContent-Type: application/xml; name="daticert.xml"\nContent-Disposition: inline; filename="daticert.xml"\n\n'
        + daticert(kind, msgid, errore)
        + b"\n--rc--\n"
    )


add(
    "61_pec_accettazione.eml",
    receipt("r61", "accettazione", "ACCETTAZIONE", "out-pec-1@pec.comune.example"),
    mailbox="pec",
    state="ignored",
    reason="PEC receipt",
    pec_receipt="accettazione",
    refers="<out-pec-1@pec.comune.example>",
)
add(
    "62_pec_consegna.eml",
    receipt("r62", "avvenuta-consegna", "CONSEGNA", "out-pec-1@pec.comune.example"),
    mailbox="pec",
    state="ignored",
    reason="PEC receipt",
    pec_receipt="avvenuta-consegna",
    refers="<out-pec-1@pec.comune.example>",
)
add(
    "63_pec_mancata_consegna.eml",
    receipt(
        "r63",
        "errore-consegna",
        "AVVISO DI MANCATA CONSEGNA",
        "out-pec-2@pec.comune.example",
        errore="no-dest",
    ),
    mailbox="pec",
    state="ignored",
    reason="PEC receipt",
    pec_receipt="errore-consegna",
    refers="<out-pec-2@pec.comune.example>",
)

# --- fax ----------------------------------------------------------------------------------
add(
    "70_fax_pdf.eml",
    b"""From: Fax Gateway <fax@gateway.example.net>
To: fax@comune.example
Subject: Fax da +39 06 1234 5678 (2 pagine)
Date: Mon, 9 Nov 2026 12:00:00 +0100
Message-ID: <fax70@gateway.example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="f"

--f
Content-Type: text/plain

Hai ricevuto un fax.
--f
Content-Type: application/pdf; name="fax-20261109.pdf"
Content-Disposition: attachment; filename="fax-20261109.pdf"
Content-Transfer-Encoding: base64

"""
    + b64(PDF)
    + b"""
--f--
""",
    mailbox="fax",
    state="case_opened",
    channel="fax",
    phone="+390612345678",
    attachments=["fax-20261109.pdf"],
)

add(
    "71_fax_tiff_from_local_part.eml",
    b"""From: 390298765432@fax.gateway.example.net
To: fax@comune.example
Subject: Incoming fax
Date: Mon, 9 Nov 2026 12:05:00 +0100
Message-ID: <fax71@gateway.example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="f"

--f
Content-Type: image/tiff; name="fax.tif"
Content-Disposition: attachment; filename="fax.tif"
Content-Transfer-Encoding: base64

"""
    + b64(TIFF)
    + b"""
--f--
""",
    mailbox="fax",
    state="case_opened",
    channel="fax",
    attachments=["fax.tif"],
)

add(
    "72_fax_without_document.eml",
    b"""From: Fax Gateway <fax@gateway.example.net>
To: fax@comune.example
Subject: Fax da 0612345678
Message-ID: <fax72@gateway.example.net>
Content-Type: text/plain

Transmission failed, no pages.
""",
    mailbox="fax",
    state="failed",
    error="without a document",
)


# --- issue 14: correctness -----------------------------------------------------------------
# A NUL (and other control characters) in an encoded header and in the body: PostgreSQL
# refuses NUL in text; the bytes are stored, the text columns are cleaned.
add(
    "80_nul_in_encoded_subject.eml",
    hdr("c80@example.it", subject=b"=?utf-8?q?Lampione=00_spento=07?=")
    + b"""MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Il lampione\x00 di piazza Dante \x1bnon funziona.
""",
    state="case_opened",
    title="Lampione spento",
    contains=["Il lampione di piazza Dante non funziona."],
)

# A colleague of the requester answers on the thread of 01: their message, not the
# requester's, and no customer of their own.
add(
    "81_reply_from_someone_else.eml",
    hdr(
        "c81@example.it",
        frm=b"Luca Bianchi <luca.bianchi@example.it>",
        subject=b"Re: Lampione spento",
        extra=b"In-Reply-To: <c01@example.it>\nReferences: <c01@example.it>\n",
    )
    + b"""Content-Type: text/plain; charset=utf-8

Sono il vicino di Maria: confermo, ancora spento.
""",
    state="added",
    thread_of="01_plain_utf8.eml",
    sender="luca.bianchi@example.it",
    sender_is_customer=False,
)

# Two people writing through a mailing list (Reply-To: the list): two customers, no
# acknowledgement to the list.
for n, (who, addr) in enumerate(
    [(b"Paola Neri", b"paola.neri@example.it"), (b"Carlo Blu", b"carlo.blu@example.net")]
):
    add(
        f"8{2 + n}_mailing_list_{n + 1}.eml",
        hdr(
            f"c8{2 + n}@example.it",
            frm=who + b" <" + addr + b">",
            subject=b"[quartiere] Rifiuti non raccolti",
            extra=b"Reply-To: quartiere@lists.example.org\n"
            b"List-Id: Comitato di quartiere <quartiere.lists.example.org>\n"
            b"List-Unsubscribe: <mailto:quartiere-leave@lists.example.org>\n",
        )
        + b"""Content-Type: text/plain; charset=utf-8

I rifiuti non sono stati raccolti in via Manzoni.
""",
        state="case_opened",
        requester=addr.decode(),
        acknowledged=False,
        flags=["not_acknowledged"],
    )

add(
    "84_spam_status_yes.eml",
    hdr(
        "c84@example.biz",
        frm=b"Offerte <promo@example.biz>",
        subject=b"Vinci subito",
        extra=b"X-Spam-Status: Yes, score=12.3 required=5.0 tests=BAYES_99\n",
    )
    + b"""Content-Type: text/plain; charset=utf-8

Clicca qui.
""",
    state="case_opened",
    acknowledged=False,
)

# Reply-To in the sender's own domain: the acknowledgement goes there; the customer is
# still the From.
add(
    "85_reply_to_same_domain.eml",
    hdr(
        "c85@example.it",
        frm=b"Dott. Ferri <ferri@studio.example.it>",
        subject=b"Richiesta certificato",
        extra=b"Reply-To: segreteria@studio.example.it\n",
    )
    + b"""Content-Type: text/plain; charset=utf-8

Chiedo un certificato di residenza.
""",
    state="case_opened",
    requester="ferri@studio.example.it",
    acknowledged="segreteria@studio.example.it",
)

# Czech text with no charset: enough of it for the detector to tell it is Windows-1250
# even on an Italian tenant (whose fallback is Windows-1252).
add(
    "86_czech_without_charset.eml",
    hdr("c86@example.cz", frm=b"Jiri Dvorak <jiri.dvorak@example.cz>", subject=b"Lampa")
    + b"""MIME-Version: 1.0
Content-Type: text/plain
Content-Transfer-Encoding: 8bit

"""
    + "Dobrý den, na ulici Příčná nesvítí lampa už tři dny. Děkuji za opravu, Jiří Dvořák".encode(
        "cp1250"
    )
    + b"\n",
    state="case_opened",
    contains=["Příčná nesvítí lampa už tři dny", "Jiří Dvořák"],
)

# Two distinct messages reusing one Message-ID (a broken mailer): both kept.
for n, text in enumerate(
    [b"Il parco giochi ha una panchina rotta.", b"Manca la luce nel sottopasso."]
):
    add(
        f"8{7 + n}_reused_message_id_{n + 1}.eml",
        hdr(
            "reused@mailer.example.com",
            frm=b"Sara Gialli <sara.gialli@example.it>",
            subject=b"Segnalazione " + str(n + 1).encode(),
        )
        + b"Content-Type: text/plain; charset=utf-8\n\n"
        + text
        + b"\n",
        state="case_opened",
        contains=[text.decode()],
    )

# Message-IDs longer than 255 characters sharing their first 255: both kept whole, and a
# reply naming the second one threads onto it.
LONG_ID = "x" * 290
for n in range(2):
    add(
        f"8{9 + n}_long_message_id_{n + 1}.eml".replace("810", "90"),
        hdr(
            f"{LONG_ID}{n}@example.it",
            frm=b"Enzo Viola <enzo.viola@example.it>",
            subject=b"Id lungo " + str(n + 1).encode(),
        )
        + b"Content-Type: text/plain; charset=utf-8\n\nMessaggio numero "
        + str(n + 1).encode()
        + b".\n",
        state="case_opened",
        contains=[f"Messaggio numero {n + 1}."],
        title=f"Id lungo {n + 1}",
    )
add(
    "91_reply_to_long_message_id.eml",
    hdr(
        "c91@example.it",
        frm=b"Enzo Viola <enzo.viola@example.it>",
        subject=b"Re: Id lungo 2",
        extra=b"In-Reply-To: <" + LONG_ID.encode() + b"1@example.it>\n",
    )
    + b"Content-Type: text/plain; charset=utf-8\n\nAggiungo una foto domani.\n",
    state="added",
    thread_of="90_long_message_id_2.eml",
)

# A forwarded message/rfc822 part base64-encoded (against RFC 2046, as some clients do).
INNER = (
    b"From: Giulia Rosa <giulia.rosa@example.it>\n"
    b"Subject: Albero caduto\n"
    b"Date: Sun, 8 Nov 2026 18:00:00 +0100\n"
    b"MIME-Version: 1.0\n"
    b'Content-Type: multipart/mixed; boundary="in"\n\n'
    b"--in\nContent-Type: text/plain; charset=utf-8\n\nUn albero \xc3\xa8 caduto in via Po.\n"
    b'--in\nContent-Type: image/png\nContent-Disposition: attachment; filename="albero.png"\n'
    b"Content-Transfer-Encoding: base64\n\n" + b64(PNG) + b"\n--in--\n"
)
add(
    "92_forwarded_base64_rfc822.eml",
    hdr("c92@example.it", frm=b"Vigili <vigili@example.it>", subject=b"Fwd: Albero caduto")
    + b"""MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="fwd"

--fwd
Content-Type: text/plain; charset=utf-8

Inoltro la segnalazione.
--fwd
Content-Type: message/rfc822
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="segnalazione.eml"

"""
    + b64(INNER)
    + b"""
--fwd--
""",
    state="case_opened",
    contains=["Forwarded message", "From: Giulia Rosa", "Un albero è caduto in via Po."],
    not_contains=["RnJvbTog"],
    attachments=["albero.png"],
)

# An image and a meeting invitation as alternatives of the text (Outlook): kept.
add(
    "93_alternative_image_and_calendar.eml",
    hdr("c93@example.it", subject=b"Sopralluogo")
    + b"""MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

Propongo un sopralluogo gioved\xc3\xac alle 10.
--alt
Content-Type: text/html; charset=utf-8

<p>Propongo un sopralluogo gioved\xc3\xac alle 10.</p>
--alt
Content-Type: image/png; name="mappa.png"
Content-Transfer-Encoding: base64

"""
    + b64(PNG)
    + b"""
--alt
Content-Type: text/calendar; charset=utf-8; method=REQUEST

BEGIN:VCALENDAR
METHOD:REQUEST
BEGIN:VEVENT
SUMMARY:Sopralluogo
END:VEVENT
END:VCALENDAR
--alt--
""",
    state="case_opened",
    contains=["sopralluogo giovedì alle 10"],
    attachments=["attachment-2.ics", "mappa.png"],
)

UU_TEXT = b"Elenco dei civici senza luce: 3, 5, 7.\n"
add(
    "94_inline_uuencode.eml",
    hdr("c94@example.it", subject=b"Elenco civici")
    + b"Content-Type: text/plain; charset=us-ascii\n\nAllego l'elenco.\n\nbegin 644 civici.txt\n"
    + b"".join(binascii.b2a_uu(UU_TEXT[i : i + 45]) for i in range(0, len(UU_TEXT), 45))
    + b"`\nend\n\nSaluti\n",
    state="case_opened",
    contains=["Allego l'elenco.", "Saluti"],
    not_contains=["begin 644"],
    attachments=["civici.txt"],
)

DEEP = 25
add(
    "95_nested_too_deep.eml",
    hdr("c95@example.it", subject=b"Annidato")
    + b"MIME-Version: 1.0\n"
    + b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i) for i in range(DEEP)
    )
    + b"Content-Type: text/plain; charset=utf-8\n\nTesto in fondo.\n"
    + b"".join(b"--b%d--\n" % i for i in reversed(range(DEEP))),
    state="case_opened",
    contains=["nested too deeply"],
    flags=["too_deep"],
)

LONG_NAME = "relazione-tecnica-" + "sopralluogo-" * 24 + "finale.pdf"
add(
    "96_long_filename.eml",
    hdr("c96@example.it", subject=b"Relazione")
    + b"""MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/plain; charset=utf-8

In allegato la relazione.
--m
Content-Type: application/pdf
Content-Disposition: attachment; filename=\""""
    + LONG_NAME.encode()
    + b"""\"
Content-Transfer-Encoding: base64

"""
    + b64(PDF)
    + b"""
--m--
""",
    state="case_opened",
    attachments=[LONG_NAME[: 255 - 4] + ".pdf"],
)

add(
    "97_content_language_cs_cz.eml",
    hdr("c97@example.cz", frm=b"Petra Novakova <petra.novakova@example.cz>", subject=b"Dotaz")
    + b"""MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Language: cs-CZ

Dobr\xc3\xbd den, m\xc3\xa1m dotaz k poplatk\xc5\xafm.
""",
    state="case_opened",
    requester="petra.novakova@example.cz",
    language="cs",
)

# Not mail at all: kept raw, flagged, never a case.
add("98_empty.eml", b"", state="failed", error="empty message")
add(
    "99_binary_garbage.eml",
    bytes((i * 73 + 41) % 256 for i in range(3000)),
    state="failed",
    error="not an e-mail message",
)


def main() -> None:
    for path in HERE.glob("*.eml"):
        path.unlink()
    for name, raw in MSGS.items():
        (HERE / name).write_bytes(raw)
    (HERE / "expected.json").write_text(json.dumps(EXPECTED, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(MSGS)} messages written to {HERE}")


if __name__ == "__main__":
    main()
