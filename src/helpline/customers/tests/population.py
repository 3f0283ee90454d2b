"""A generated population of customers in Portuguese (Brazil), Italian and Czech, and the
name variants people type for them, for the search's recall tests.

``people(lang, n, rnd)`` makes ``n`` customers (name, street, district); streets are often
named after surnames of the same register (*Novákovo náměstí*, *Via Garibaldi*, *Rua Silva
Jardim*), the case where a street used to hide the people. ``variant(...)`` makes one query
of a given kind: accents dropped, a typo, a split or joined word, a phonetic spelling, or the
surname alone. ``populate(org, people)`` writes them with the index functions the services
use (in bulk: thousands of ``create_customer`` calls would take minutes).
"""

from __future__ import annotations

import random
import re
import zlib
from dataclasses import dataclass

from helpline.customers.models import Address, Customer, SearchPosting
from helpline.customers.search_index import add_terms, language_of, posting_pairs
from helpline.lib.phonetic import combined_key, fold
from helpline.tenancy.models import Organization


def _w(text: str) -> list[str]:
    return text.split()


FIRST = {
    "pt": _w(
        "Maria Ana Francisca Antônia Adriana Juliana Márcia Fernanda Patrícia Aline Camila "
        "Letícia Júlia Luíza Conceição Heloísa José João Antônio Francisco Carlos Paulo Pedro "
        "Lucas Luiz Marcos Gabriel Rafael Felipe Rodrigo Sebastião Vinícius Thiago Washington "
        "Ana_Maria João_Paulo Luiz_Carlos"
    ),
    "it": _w(
        "Giuseppe Giovanni Antonio Mario Luigi Francesco Angelo Vincenzo Pietro Salvatore "
        "Carlo Domenico Paolo Michele Giorgio Stefano Riccardo Nicolò Cicciò Gennaro Jacopo "
        "Filippo Maria Anna Giuseppina Rosa Lucia Chiara Francesca Giulia Ginevra Gioia "
        "Gian_Piero Giampiero Gian_Luca Gianluca Pier_Paolo Pierpaolo Anna_Maria"
    ),
    "cs": _w(
        "Jan Petr Josef Pavel Martin Tomáš Jaroslav Miroslav Zdeněk Václav Jiří Lukáš Jakub "
        "Ondřej Radek Vojtěch Matěj Marie Jana Eva Hana Anna Lenka Kateřina Lucie Věra Alena "
        "Žaneta Radka Zuzana Jitka Iveta Šárka Dagmar Ludmila Markéta"
    ),
}
SURNAMES = {
    "pt": _w(
        "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa "
        "Ribeiro Martins Carvalho Almeida Lopes Soares Fernandes Vieira Barbosa Rocha Dias "
        "Nascimento Andrade Moreira Nunes Gonçalves Araújo Cavalcanti Magalhães Queiroz "
        "Figueiredo Guimarães Assunção Brandão Vasconcelos Albuquerque Bittencourt Thomaz "
        "De_Souza Desouza Dos_Santos Da_Costa Dacosta De_Andrade Quintella Drummond Frazão"
    ),
    "it": _w(
        "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo "
        "Conti Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro Caruso "
        "Garibaldi Mazzini Cavour Verdi Marconi Manzoni Cicciarelli Scognamiglio Squillace "
        "Giacchetti Cacciapuoti Gnocchi Dell'Acqua Dellacqua D'Angelo Dangelo De_Luca Deluca "
        "Lo_Russo Lorusso Dalla_Costa Dallacosta De_Santis"
    ),
    "cs": _w(
        "Novák Svoboda Novotný Dvořák Černý Procházka Kučera Veselý Horák Němec Pokorný "
        "Marek Pospíšil Hájek Jelínek Král Růžička Beneš Fiala Sedláček Doležal Zeman "
        "Kolář Navrátil Čermák Vaněk Urban Blažek Kříž Kovář Bartoš Vlček Polák Musil "
        "Šťastný Hrubý Jirásek Palacký Smetana Havlíček Masaryk"
    ),
}
#: Czech surnames take -ová (-á after -ý) for women.
CS_FEMALE_FIRST = frozenset(
    _w(
        "Marie Jana Eva Hana Anna Lenka Kateřina Lucie Věra Alena Žaneta Radka Zuzana Jitka "
        "Iveta Šárka Dagmar Ludmila Markéta"
    )
)
STREETS = {
    "pt": _w(
        "Rua_Tiradentes Rua_Silva_Jardim Avenida_Getúlio_Vargas Rua_Sete_de_Setembro "
        "Rua_Marechal_Deodoro Avenida_Paulista Rua_Augusta Rua_Oliveira_Lima "
        "Rua_Santos_Dumont Praça_da_Sé Rua_Barão_de_Mauá Rua_Frei_Caneca Rua_Vergueiro "
        "Rua_Gonçalves_Dias Avenida_Rodrigues_Alves Rua_Costa_Pereira"
    ),
    "it": _w(
        "Via_Roma Via_Garibaldi Corso_Cavour Via_Mazzini Piazza_Verdi Via_Marconi "
        "Via_Manzoni Via_Dante_Alighieri Viale_Rossi Via_XX_Settembre Via_Colombo "
        "Corso_Vittorio_Emanuele Via_Ricci Piazza_del_Popolo Via_Santa_Chiara Via_Bruno"
    ),
    "cs": _w(
        "Novákovo_náměstí Dvořákova Palackého_náměstí Masarykova Smetanovo_nábřeží "
        "Havlíčkova Husova Jiráskova Nádražní Školní Zahradní Krátká Komenského "
        "Svobodova Procházkova Krále_Jiřího"
    ),
}
DISTRICTS = {
    "pt": _w("Centro Vila_Mariana Pinheiros Moema Liberdade Tatuapé Santana Lapa"),
    "it": _w("Centro_Storico Trastevere Prati Testaccio Monti San_Lorenzo Pigneto"),
    "cs": _w("Praha_4 Praha_10 Žižkov Vinohrady Smíchov Karlín Holešovice Nusle"),
}
COUNTRY = {"pt": ("BR", "pt-br"), "it": ("IT", "it"), "cs": ("CZ", "cs")}

#: Spelling changes that sound the same (or that people make), per language.
PHONETIC = {
    "pt": [
        ("ç", "ss"), ("ss", "ç"), ("z", "s"), ("s", "z"), ("ph", "f"), ("th", "t"),
        ("y", "i"), ("lh", "li"), ("qu", "k"), ("ll", "l"), ("w", "v"), ("ão", "am"),
    ],
    "it": [
        ("cci", "ci"), ("cc", "c"), ("gg", "g"), ("zz", "z"), ("ss", "s"), ("tt", "t"),
        ("ll", "l"), ("rr", "r"), ("pp", "p"), ("j", "i"), ("gli", "li"), ("ò", "o"),
    ],
    "cs": [
        ("ř", "rz"), ("w", "v"), ("v", "w"), ("ý", "i"), ("y", "i"), ("ě", "e"),
        ("ch", "h"), ("ů", "u"), ("í", "y"), ("š", "s"), ("č", "c"), ("ž", "z"),
    ],
}  # fmt: skip
#: Split and joined spellings of the same words.
JOINED = [
    ("Gian Piero", "Giampiero"), ("Gian Luca", "Gianluca"), ("Pier Paolo", "Pierpaolo"),
    ("Dell'Acqua", "Dellacqua"), ("D'Angelo", "Dangelo"), ("De Luca", "Deluca"),
    ("Lo Russo", "Lorusso"), ("Dalla Costa", "Dallacosta"), ("De Souza", "Desouza"),
    ("Da Costa", "Dacosta"), ("Ana Maria", "Anamaria"), ("Anna Maria", "Annamaria"),
    ("João Paulo", "Joãopaulo"), ("Luiz Carlos", "Luizcarlos"), ("Dos Santos", "Dossantos"),
]  # fmt: skip
KINDS = ("accents", "typo", "phonetic", "joined", "surname")


@dataclass(frozen=True)
class Person:
    name: str
    surname: str
    street: str
    district: str


def _spaced(word: str) -> str:
    return word.replace("_", " ")


def people(lang: str, n: int, rnd: random.Random) -> list[Person]:
    """``n`` customers; surnames Zipf-skewed (a few common, a long tail)."""
    surnames = SURNAMES[lang]
    weights = [1 / (i + 1) for i in range(len(surnames))]
    rnd.shuffle(weights)
    out = []
    for _i in range(n):
        first = rnd.choice(FIRST[lang])
        surname = _spaced(rnd.choices(surnames, weights)[0])
        if lang == "cs" and first in CS_FEMALE_FIRST:
            surname = surname[:-1] + "á" if surname.endswith("ý") else surname + "ová"
        out.append(
            Person(
                name=f"{_spaced(first)} {surname}",
                surname=surname,
                street=_spaced(rnd.choice(STREETS[lang])),
                district=_spaced(rnd.choice(DISTRICTS[lang])),
            )
        )
    return out


def _typo(word: str, rnd: random.Random) -> str:
    i = rnd.randrange(1, len(word) - 1)
    op = rnd.choice("dtsi")
    if op == "d":
        return word[:i] + word[i + 1 :]
    if op == "t":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    letter = rnd.choice("aeioulnrst")
    return word[:i] + letter + (word[i + 1 :] if op == "s" else word[i:])


def variant(person: Person, lang: str, kind: str, rnd: random.Random) -> str | None:
    """The query a user types for ``person``, or None when ``kind`` does not apply."""
    name = person.name
    if kind == "accents":
        return fold(name) if fold(name) != name.lower() else None
    if kind == "typo":
        words = name.split()
        long = [i for i, w in enumerate(words) if len(w) >= 5]
        if not long:
            return None
        i = rnd.choice(long)
        words[i] = _typo(words[i], rnd)
        return " ".join(words)
    if kind == "phonetic":
        rules = [(a, b) for a, b in PHONETIC[lang] if a in name.lower()]
        if not rules:
            return None
        a, b = rnd.choice(rules)
        i = name.lower().index(a)
        return name[:i] + b + name[i + len(a) :]
    if kind == "joined":
        for split, joined in JOINED:
            if split in name:
                return name.replace(split, joined)
            if re.search(rf"\b{joined}\b", name):
                return name.replace(joined, split)
        return None
    return person.surname  # the surname alone


def populate(org: Organization, everyone: list[Person]) -> None:
    """Write ``everyone`` into ``org`` with the index the services keep (bulk)."""
    lang = language_of(org)
    customers = Customer.objects.bulk_create(
        [
            Customer(organization=org, name=p.name, name_key=combined_key(p.name, lang))
            for p in everyone
        ]
    )
    if not all(c.pk for c in customers):  # SQLite before 3.35 returns no ids
        customers = list(Customer.objects.filter(organization=org).order_by("pk"))
    Address.objects.bulk_create(
        [
            Address(
                organization=org,
                customer=c,
                street=p.street,
                street_code=f"S{zlib.crc32(fold(p.street).encode()) % 1000:03d}",
                house_number=str(i % 300 + 1),
                district=p.district,
                street_key=combined_key(p.street, lang),
                district_key=combined_key(p.district, lang),
            )
            for i, (c, p) in enumerate(zip(customers, everyone, strict=True))
        ]
    )
    postings = []
    vocabulary: dict[str, str] = {}
    for c, p in zip(customers, everyone, strict=True):
        terms, keys = posting_pairs(p.name, [p.street], [p.district], lang)
        vocabulary.update(terms)
        postings += [
            SearchPosting(organization=org, customer=c, key=k, field=f) for k, f in sorted(keys)
        ]
    SearchPosting.objects.bulk_create(postings, batch_size=2000)
    add_terms(org.pk, vocabulary.items())
