"""The demo tenants' channels, live on every channel the demo shows: mailboxes the local
SMTP intake receives for (their replies leave through the local mail catcher), the chat on
with office hours and a greeting, published privacy notices per channel and language, the
customer-notification choices and the tenant's own wording of the acknowledgement.

Everything goes through the settings services, as an administrator would on the settings
screens, so every row has its audit entry (actor: the system actor ``demo``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from helpline.channels import configuration as channels
from helpline.channels.models import MailboxKind, SmtpSecurity
from helpline.lib.actors import Actor
from helpline.notify import configuration as templates
from helpline.notify.services import update_notification_settings
from helpline.portal import privacy
from helpline.routing.models import Queue
from helpline.sla.models import Calendar
from helpline.tenancy.models import Organization

SYSTEM = Actor.system("demo")


def catcher_port() -> int:
    """Where the demo's mail catcher listens (``make run`` starts it there)."""
    return int(os.environ.get("HELPLINE_MAIL_CATCHER_PORT", "1025"))


@dataclass(frozen=True)
class MailboxSpec:
    name: str
    local_part: str
    kind: str = MailboxKind.EMAIL


@dataclass(frozen=True)
class ChannelTexts:
    mailboxes: tuple[MailboxSpec, ...]
    greeting: str
    greeting_en: str
    notice: str  # the tenant language's privacy notice, "{channel}" names the channel
    channel_names: dict[str, str]
    ack_subject: str
    ack_body: str


NOTICE_EN = (
    "{org} processes the personal data you give us through {channel} only to handle your "
    "request (legal basis: the public service we provide and your request). Data are kept "
    "for the time set by our retention rules, are never sold, and are seen only by the staff "
    "and contractors who handle the request. You may ask to see, correct or erase them, or "
    "object to their use, by writing to us; you may also complain to the data protection "
    "authority."
)
CHANNEL_NAMES_EN = {"web": "the web form", "chat": "the chat", "email": "e-mail"}

TEXTS: dict[str, ChannelTexts] = {
    "comune-valdoria": ChannelTexts(
        mailboxes=(
            MailboxSpec("URP - posta elettronica", "urp"),
            MailboxSpec("Protocollo PEC", "protocollo", MailboxKind.PEC),
        ),
        greeting="Buongiorno! Sono l'URP del Comune di Valdoria: scriva pure la sua domanda.",
        greeting_en="Hello! This is the Comune di Valdoria help desk: ask us anything.",
        notice=(
            "Il Comune di Valdoria tratta i dati personali che ci fornisce tramite {channel} "
            "solo per gestire la sua richiesta (base giuridica: l'esecuzione di un compito di "
            "interesse pubblico e la sua richiesta, art. 6 GDPR). I dati sono conservati per "
            "il tempo previsto dal piano di conservazione dell'ente, non sono ceduti a terzi e "
            "sono trattati solo dal personale e dai fornitori incaricati. Può chiedere "
            "l'accesso, la rettifica o la cancellazione dei dati, o opporsi al trattamento, "
            "scrivendo all'URP; può anche rivolgersi al Garante per la protezione dei dati "
            "personali."
        ),
        channel_names={"web": "il modulo web", "chat": "la chat", "email": "la posta elettronica"},
        ack_subject="[{{ protocol }}] Comune di Valdoria: richiesta ricevuta",
        ack_body=(
            "Gentile {{ name }},\n\n"
            "grazie per aver scritto all'URP del Comune di Valdoria. La sua richiesta "
            "“{{ title }}” è stata protocollata con il numero {{ protocol }}: lo citi ogni "
            "volta che ci contatta in merito.\n\n"
            "Rispondiamo alle richieste scritte entro 5 giorni lavorativi. Può seguire la "
            "pratica e scriverci qui:\n{{ status_url }}\n\n"
            "Informativa privacy: {{ privacy_url }}\n\n"
            "URP - {{ organization }}"
        ),
    ),
    "aguas-do-vale": ChannelTexts(
        mailboxes=(
            MailboxSpec("Atendimento por e-mail", "atendimento"),
            MailboxSpec("Ouvidoria", "ouvidoria"),
        ),
        greeting="Olá! Aqui é o atendimento da Águas do Vale. Como podemos ajudar?",
        greeting_en="Hello! This is Águas do Vale customer service. How can we help?",
        notice=(
            "A Águas do Vale trata os dados pessoais informados por {channel} apenas para "
            "atender à sua solicitação (base legal: execução do contrato de prestação do "
            "serviço e cumprimento de obrigação regulatória, art. 7º da LGPD). Os dados são "
            "guardados pelo prazo exigido pela regulação, não são vendidos e são acessados "
            "só pela equipe e pelos prestadores que cuidam do atendimento. Você pode pedir "
            "acesso, correção, anonimização ou eliminação dos dados pelo nosso atendimento "
            "ou falar com o encarregado (DPO); também pode reclamar à ANPD."
        ),
        channel_names={"web": "o formulário web", "chat": "o chat", "email": "e-mail"},
        ack_subject="[{{ protocol }}] Águas do Vale: recebemos sua solicitação",
        ack_body=(
            "Olá, {{ name }}!\n\n"
            "Recebemos sua solicitação “{{ title }}” e registramos com o protocolo "
            "{{ protocol }}. Guarde este número: ele é pedido sempre que você falar conosco "
            "sobre o assunto.\n\n"
            "Acompanhe o atendimento e envie mensagens por aqui:\n{{ status_url }}\n\n"
            "Em caso de falta d'água ou vazamento na rua, ligue também para o plantão 24h.\n\n"
            "Aviso de privacidade: {{ privacy_url }}\n\n"
            "{{ organization }}"
        ),
    ),
}


def configure_demo_channels(
    org: Organization, *, email_domain: str, queues: dict[str, Queue]
) -> None:
    """Mailboxes, chat, privacy notices, notifications and templates for one tenant."""
    texts = TEXTS[org.slug]
    for box in texts.mailboxes:
        domain = f"pec.{email_domain}" if box.kind == MailboxKind.PEC else email_domain
        channels.create_mailbox(
            org=org,
            actor=SYSTEM,
            data=channels.MailboxData(
                name=box.name,
                address=f"{box.local_part}@{domain}",
                kind=box.kind,
                # No IMAP account: the local SMTP intake receives for these addresses. Their
                # mail leaves through the demo's mail catcher.
                smtp_host="127.0.0.1",
                smtp_port=catcher_port(),
                smtp_security=SmtpSecurity.NONE,
            ),
        )
    front = next(
        q for q in queues.values() if q.level == "l1" and not q.channel and not q.segment_id
    )
    office_hours = Calendar.objects.filter(organization=org, is_default=True).first()
    channels.save_chat_settings(
        org=org,
        actor=SYSTEM,
        data=channels.ChatData(
            is_enabled=True,
            queue_id=front.pk,
            calendar_id=office_hours.pk if office_hours else None,
            greetings={org.language: texts.greeting, "en": texts.greeting_en},
        ),
    )
    for channel in ("web", "chat", "email"):
        for language, text in (
            (org.language, texts.notice.format(channel=texts.channel_names[channel])),
            ("en", NOTICE_EN.format(org=org.name, channel=CHANNEL_NAMES_EN[channel])),
        ):
            notice = privacy.create_notice(
                org=org,
                actor=SYSTEM,
                data=privacy.NoticeData(
                    version="2025.1", text=text, channel=channel, language=language
                ),
            )
            privacy.publish_notice(notice=notice, actor=SYSTEM)
    # Progress mails: taken in charge, waiting, resolved, and closed too.
    update_notification_settings(org=org, actor=SYSTEM, on_closed=True)
    templates.save_template(
        org=org,
        actor=SYSTEM,
        data=templates.TemplateData(
            kind="ack", language=org.language, subject=texts.ack_subject, body=texts.ack_body
        ),
    )
