"""Made-up but well-formed people and companies for the demo: names, e-mails, phones and
tax identifiers whose check digits are computed with ``python-stdnum`` (so the same library
that validates them in the services accepts them).

E-mail addresses use the reserved ``.example`` top-level domain (RFC 2606) so a demo that
sends notifications can never reach a real mailbox. Phone numbers are valid for their
country (``phonenumbers`` accepts them) and invented at random.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

import phonenumbers
from stdnum import luhn
from stdnum.br import cnpj, cpf
from stdnum.it import codicefiscale

# --- Italian -------------------------------------------------------------------------------

IT_MALE = (
    "Marco",
    "Giuseppe",
    "Luca",
    "Francesco",
    "Alessandro",
    "Andrea",
    "Giovanni",
    "Matteo",
    "Stefano",
    "Roberto",
    "Paolo",
    "Davide",
    "Simone",
    "Lorenzo",
    "Antonio",
    "Mario",
    "Fabio",
    "Riccardo",
    "Nicolò",
    "Federico",
    "Claudio",
    "Massimo",
    "Enrico",
    "Gabriele",
    "Pietro",
    "Vincenzo",
    "Tommaso",
    "Emanuele",
    "Daniele",
    "Salvatore",
    "Carlo",
    "Sergio",
)
IT_FEMALE = (
    "Giulia",
    "Francesca",
    "Chiara",
    "Sara",
    "Elena",
    "Valentina",
    "Alessandra",
    "Martina",
    "Federica",
    "Silvia",
    "Laura",
    "Anna",
    "Paola",
    "Roberta",
    "Maria",
    "Giovanna",
    "Elisa",
    "Cristina",
    "Monica",
    "Barbara",
    "Ilaria",
    "Beatrice",
    "Camilla",
    "Lucia",
    "Rita",
    "Teresa",
    "Caterina",
    "Serena",
    "Daniela",
    "Antonella",
    "Marta",
    "Noemi",
)
IT_SURNAMES = (
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "De Luca",
    "Mancini",
    "Costa",
    "Giordano",
    "Rizzo",
    "Lombardi",
    "Moretti",
    "Barbieri",
    "Fontana",
    "Santoro",
    "Mariani",
    "Rinaldi",
    "Caruso",
    "Ferrara",
    "Galli",
    "Martini",
    "Leone",
    "Longo",
    "Gentile",
    "Martinelli",
    "Vitale",
    "Serra",
    "Coppola",
    "De Santis",
    "D'Angelo",
    "Marchetti",
    "Parisi",
    "Villa",
    "Cattaneo",
    "Fabbri",
    "Bellini",
    "Guerra",
    "Pellegrini",
    "Palumbo",
    "Sanna",
    "Benedetti",
    "Grasso",
    "Zanetti",
    "Bassi",
    "Cavallo",
    "Ferri",
    "Bertoni",
    "Malaguti",
    "Tosi",
    "Zanella",
    "Bonfiglioli",
    "Guidetti",
    "Rambaldi",
    "Ferraresi",
    "Mazzoni",
    "Piva",
)
#: Birthplaces (real cadastral codes, which a codice fiscale embeds).
IT_BIRTHPLACES = (
    "D548",
    "D548",
    "D548",
    "A944",
    "F257",
    "H501",
    "F205",
    "F839",
    "G273",
    "L219",
    "G224",
    "H620",
    "H199",
    "C469",
    "C912",
    "A662",
    "D612",
    "L736",
    "G337",
)
IT_MOBILE_PREFIXES = (
    "320",
    "324",
    "327",
    "328",
    "329",
    "331",
    "333",
    "334",
    "335",
    "338",
    "339",
    "340",
    "342",
    "345",
    "346",
    "347",
    "348",
    "349",
    "366",
    "368",
    "380",
    "389",
    "392",
    "393",
)
IT_BUSINESS_KINDS = (
    ("Edilizia {s}", "S.r.l."),
    ("Bar Centrale di {s} {f}", ""),
    ("Ferramenta {s}", "S.n.c."),
    ("Farmacia San Giorgio", "S.n.c."),
    ("Autofficina {s}", "S.r.l."),
    ("Panificio {s}", "S.n.c."),
    ("Studio tecnico {s}", ""),
    ("Trattoria da {f}", ""),
    ("Trasporti {s}", "S.r.l."),
    ("Agriturismo Le Valli", "S.r.l."),
    ("Immobiliare {s}", "S.r.l."),
    ("Idraulica {s}", "S.n.c."),
    ("Ottica {s}", ""),
    ("Lavanderia Pulito Express", "S.r.l."),
    ("Elettrauto {s}", ""),
    ("Supermercato Valdoria", "S.p.A."),
    ("Pasticceria {s}", ""),
    ("Cooperativa sociale Il Ponte", ""),
)
IT_ASSOCIATIONS = (
    "Confcommercio Valdoria",
    "Confesercenti sezione di Valdoria",
    "CNA Valdoria",
    "Confartigianato Valdoria",
    "Coldiretti Valdoria",
    "Confagricoltura Valdoria",
    "Associazione Commercianti del Centro Storico",
    "Ascom Valdoria",
    "Legacoop Valdoria",
    "Unione Artigiani Valdoria",
    "Pro Loco Valdoria",
    "Associazione Albergatori Valdoria",
)

# --- Brazilian -----------------------------------------------------------------------------

BR_MALE = (
    "João",
    "José",
    "Antônio",
    "Francisco",
    "Carlos",
    "Paulo",
    "Pedro",
    "Lucas",
    "Luiz",
    "Marcos",
    "Luís",
    "Gabriel",
    "Rafael",
    "Daniel",
    "Marcelo",
    "Bruno",
    "Eduardo",
    "Felipe",
    "Rodrigo",
    "Gustavo",
    "Fernando",
    "Thiago",
    "Leandro",
    "Diego",
    "Sérgio",
    "Vinícius",
    "Matheus",
    "Renato",
    "Roberto",
    "Fábio",
    "André",
    "Caio",
)
BR_FEMALE = (
    "Maria",
    "Ana",
    "Francisca",
    "Antônia",
    "Adriana",
    "Juliana",
    "Márcia",
    "Fernanda",
    "Patrícia",
    "Aline",
    "Sandra",
    "Camila",
    "Amanda",
    "Bruna",
    "Jéssica",
    "Letícia",
    "Júlia",
    "Luciana",
    "Vanessa",
    "Mariana",
    "Gabriela",
    "Renata",
    "Cláudia",
    "Beatriz",
    "Raimunda",
    "Tatiane",
    "Larissa",
    "Simone",
    "Débora",
    "Priscila",
    "Elaine",
    "Rosângela",
)
BR_SURNAMES = (
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Rodrigues",
    "Ferreira",
    "Alves",
    "Pereira",
    "Lima",
    "Gomes",
    "Costa",
    "Ribeiro",
    "Martins",
    "Carvalho",
    "Almeida",
    "Lopes",
    "Soares",
    "Fernandes",
    "Vieira",
    "Barbosa",
    "Rocha",
    "Dias",
    "Nascimento",
    "Andrade",
    "Moreira",
    "Nunes",
    "Marques",
    "Machado",
    "Mendes",
    "Freitas",
    "Cardoso",
    "Ramos",
    "Gonçalves",
    "Santana",
    "Teixeira",
    "Moura",
    "Cavalcanti",
    "Monteiro",
    "Araújo",
    "Pinto",
    "Campos",
    "Correia",
    "Batista",
    "Prado",
    "Toledo",
    "Siqueira",
    "Bueno",
    "Camargo",
)
BR_BUSINESSES = (
    "Padaria Pão Quente",
    "Mercado Bom Preço",
    "Lava-Rápido Brilho Total",
    "Restaurante Sabor da Serra",
    "Academia Corpo em Forma",
    "Hotel Vale Verde",
    "Lanchonete do {f}",
    "Oficina Mecânica {s}",
    "Salão Beleza Pura",
    "Pet Shop Amigo Fiel",
    "Clínica Odontológica Sorriso",
    "Auto Posto Via Dutra",
    "Construtora {s} & Filhos",
    "Pizzaria Bella Napoli",
    "Farmácia Popular do Vale",
    "Pousada Recanto do Rio",
    "Açougue Boi Gordo",
    "Papelaria {s}",
)
BR_BUSINESS_SUFFIXES = ("Ltda", "ME", "EIRELI", "Ltda", "EPP")
BR_PUBLIC = (
    "Escola Estadual Prof. Jorge Siqueira",
    "EMEF Monteiro Lobato",
    "UBS Jardim Primavera",
    "UBS Vila Nova",
    "Hospital Municipal São Vicente",
    "Prefeitura Municipal - Secretaria de Obras",
    "Creche Municipal Pequeno Príncipe",
    "Câmara Municipal",
    "Delegacia de Polícia Civil - 1º DP",
    "Corpo de Bombeiros - Posto Centro",
    "CRAS Parque Industrial",
    "Ginásio Municipal de Esportes",
)

IT_MAIL_DOMAINS = ("posta.example", "email.example", "casella.example", "mail.example")
BR_MAIL_DOMAINS = ("correio.example", "email.example", "webmail.example", "mail.example")


@dataclass
class Person:
    """A customer to create, plus the words the texts address them with."""

    name: str
    email: str
    phone: str
    tax_id: str
    greeting: str


def ascii_letters(text: str) -> str:
    """Upper-case A-Z only: accents dropped, apostrophes and spaces removed."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.upper() if "A" <= ch <= "Z")


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in plain if ch.isalnum())


def _three(consonants: str, vowels: str) -> str:
    return (consonants + vowels + "XXX")[:3]


def codice_fiscale(*, surname: str, name: str, birth: date, female: bool, place: str) -> str:
    """A codice fiscale built by the official rules (DM 23/12/1976) with its check letter."""
    vowels_set = set("AEIOU")
    s, n = ascii_letters(surname), ascii_letters(name)
    s_cons = "".join(c for c in s if c not in vowels_set)
    s_vow = "".join(c for c in s if c in vowels_set)
    n_cons = "".join(c for c in n if c not in vowels_set)
    n_vow = "".join(c for c in n if c in vowels_set)
    name_part = n_cons[0] + n_cons[2] + n_cons[3] if len(n_cons) >= 4 else _three(n_cons, n_vow)
    day = birth.day + (40 if female else 0)
    body = (
        f"{_three(s_cons, s_vow)}{name_part}{birth.year % 100:02d}"
        f"{'ABCDEHLMPRST'[birth.month - 1]}{day:02d}{place}"
    )
    return body + codicefiscale.calc_check_digit(body)


def partita_iva(rng: Random, office: str = "038") -> str:
    """An 11-digit partita IVA: 7-digit number, provincial office code, Luhn check digit."""
    number = f"{rng.randint(1, 9_999_999):07d}{office}"
    return number + luhn.calc_check_digit(number)


def cpf_check_digits(base: str) -> str:
    """The two CPF check digits of a 9-digit base (mod 11, weights 10..2 then 11..2);
    ``stdnum.br.cpf`` validates them but keeps its own calculator private."""
    d1 = (11 - sum((10 - i) * int(base[i]) for i in range(9))) % 11 % 10
    d2 = (11 - sum((11 - i) * int(base[i]) for i in range(9)) - 2 * d1) % 11 % 10
    return f"{d1}{d2}"


def make_cpf(rng: Random) -> str:
    while True:
        base = f"{rng.randint(0, 999_999_999):09d}"
        if len(set(base)) > 1:
            return str(cpf.format(base + cpf_check_digits(base)))


def make_cnpj(rng: Random) -> str:
    base = f"{rng.randint(1_000_000, 99_999_999):08d}0001"
    return str(cnpj.format(base + cnpj.calc_check_digits(base)))


def _valid(number: str, country: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, country))
    except phonenumbers.NumberParseException:
        return False


def it_phone(rng: Random, *, landline: bool = False) -> str:
    """An Italian number written the way people type it (several styles)."""
    while True:
        if landline:
            number = f"0532 {rng.randint(200_000, 999_999)}"
        else:
            prefix = rng.choice(IT_MOBILE_PREFIXES)
            digits = f"{rng.randint(0, 9_999_999):07d}"
            number = rng.choice(
                (
                    f"{prefix} {digits[:3]} {digits[3:]}",
                    f"+39 {prefix}{digits}",
                    f"{prefix}{digits}",
                    f"+39 {prefix} {digits}",
                )
            )
        if _valid(number, "IT"):
            return number


def br_phone(rng: Random, *, landline: bool = False, ddd: str = "12") -> str:
    """A Brazilian number in the Vale do Paraíba area code, typed in several styles."""
    while True:
        if landline:
            number = f"({ddd}) {rng.choice('3')}{rng.randint(100, 999)}-{rng.randint(0, 9999):04d}"
        else:
            a = f"9{rng.randint(6, 9)}{rng.randint(0, 999):03d}"
            b = f"{rng.randint(0, 9999):04d}"
            number = rng.choice((f"({ddd}) {a}-{b}", f"+55 {ddd} {a}-{b}", f"{ddd}{a}{b}"))
        if _valid(number, "BR"):
            return number


def _unused(rng: Random, names: tuple[str, ...], used: set[str]) -> str:
    """A name from ``names`` not given yet (organisations are unique), else a branch of one."""
    free = [n for n in names if n not in used]
    name = rng.choice(free) if free else f"{rng.choice(names)} ({len(used) + 1})"
    used.add(name)
    return name


def _email(rng: Random, first: str, last: str, domains: tuple[str, ...]) -> str:
    f, s = _slug(first), _slug(last)
    local = rng.choice(
        (f"{f}.{s}", f"{f[0]}{s}", f"{f}.{s}{rng.randint(60, 99)}", f"{s}.{f}", f"{f}{s}")
    )
    return f"{local}@{rng.choice(domains)}"


def italian_person(rng: Random, tax_ids: set[str], *, with_tax_id: bool) -> Person:
    female = rng.random() < 0.52
    first = rng.choice(IT_FEMALE if female else IT_MALE)
    last = rng.choice(IT_SURNAMES)
    tax_id = ""
    if with_tax_id:
        for _attempt in range(20):
            birth = date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 64))
            cf = codice_fiscale(
                surname=last,
                name=first,
                birth=birth,
                female=female,
                place=rng.choice(IT_BIRTHPLACES),
            )
            if cf not in tax_ids:
                tax_id = cf
                break
    return Person(
        name=f"{first} {last}",
        email=_email(rng, first, last, IT_MAIL_DOMAINS) if rng.random() < 0.78 else "",
        phone=it_phone(rng, landline=rng.random() < 0.15) if rng.random() < 0.93 else "",
        tax_id=tax_id,
        greeting=f"Gentile {'Sig.ra' if female else 'Sig.'} {last}",
    )


def italian_company(
    rng: Random, tax_ids: set[str], used_names: set[str], *, association: bool
) -> Person:
    first, last = rng.choice(IT_MALE), rng.choice(IT_SURNAMES)
    if association:
        name = _unused(rng, IT_ASSOCIATIONS, used_names)
    else:
        pattern, form = rng.choice(IT_BUSINESS_KINDS)
        name = (pattern.format(s=last, f=first) + (f" {form}" if form else "")).strip()
    # Associations have a numeric codice fiscale, built like a partita IVA (same checks).
    piva = ""
    for _attempt in range(20):
        candidate = partita_iva(rng, office=rng.choice(("038", "038", "037", "036")))
        if candidate not in tax_ids:
            piva = candidate
            break
    slug = _slug(name)[:24]
    email = f"{slug}@{'pec.example' if rng.random() < 0.5 else 'impresa.example'}"
    return Person(
        name=name,
        email=email,
        phone=it_phone(rng, landline=rng.random() < 0.6),
        tax_id=("IT" + piva) if piva and rng.random() < 0.3 else piva,
        greeting=f"Spett.le {name}",
    )


def brazilian_person(rng: Random, tax_ids: set[str], *, with_tax_id: bool) -> Person:
    female = rng.random() < 0.52
    first = rng.choice(BR_FEMALE if female else BR_MALE)
    last = (
        f"{rng.choice(BR_SURNAMES)} {rng.choice(BR_SURNAMES)}"
        if rng.random() < 0.6
        else rng.choice(BR_SURNAMES)
    )
    tax_id = ""
    if with_tax_id:
        for _attempt in range(20):
            candidate = make_cpf(rng)
            if cpf.compact(candidate) not in tax_ids:
                tax_id = candidate
                break
    return Person(
        name=f"{first} {last}",
        email=_email(rng, first, last.split()[-1], BR_MAIL_DOMAINS) if rng.random() < 0.7 else "",
        phone=br_phone(rng, landline=rng.random() < 0.12) if rng.random() < 0.96 else "",
        tax_id=tax_id,
        greeting=f"{'Prezada Sra.' if female else 'Prezado Sr.'} {first}",
    )


def brazilian_company(
    rng: Random, tax_ids: set[str], used_names: set[str], *, public: bool
) -> Person:
    first, last = rng.choice(BR_MALE), rng.choice(BR_SURNAMES)
    if public:
        name = _unused(rng, BR_PUBLIC, used_names)
    else:
        name = (
            rng.choice(BR_BUSINESSES).format(s=last, f=first)
            + " "
            + rng.choice(BR_BUSINESS_SUFFIXES)
        )
    tax_id = ""
    for _attempt in range(20):
        candidate = make_cnpj(rng)
        if cnpj.compact(candidate) not in tax_ids:
            tax_id = candidate
            break
    return Person(
        name=name,
        email=f"{_slug(name)[:24]}@{'gov.example' if public else 'empresa.example'}",
        phone=br_phone(rng, landline=rng.random() < 0.7),
        tax_id=tax_id,
        greeting=f"Prezados, {name}",
    )
