"""Realistic Portuguese (Brazil), Italian and Czech names and streets for the customer
search benchmark, and the misspellings people type for them.

Names are drawn with a Zipf-like skew (a few very common surnames, a long tail), as in real
registers. ``misspell`` makes the query a user would type: a phonetic variant (the spelling
rules of the language: ç/ss/s/z, ph/f, y/i, doubled letters, accents dropped, Czech -ová,
ř, ch...) and/or a typo (one deletion, transposition, substitution or insertion).
"""

from __future__ import annotations

import random
import re
import unicodedata


def _w(text: str) -> tuple[str, ...]:
    return tuple(text.split())


PT_FIRST = _w(
    "Maria Ana Francisca Antônia Adriana Juliana Márcia Fernanda Patrícia Aline Sandra Camila "
    "Amanda Bruna Jéssica Letícia Júlia Luciana Vanessa Mariana Gabriela Vitória Larissa Beatriz "
    "Isabela Conceição Raimunda Luíza Rafaela Tatiane Cristiane Simone Daniela Heloísa Lúcia "
    "José João Antônio Francisco Carlos Paulo Pedro Lucas Luiz Marcos Luís Gabriel Rafael Daniel "
    "Marcelo Bruno Eduardo Felipe Raimundo Rodrigo Manoel Mateus André Fernando Fábio Leonardo "
    "Gustavo Guilherme Leandro Tiago Anderson Ricardo Márcio Jorge Sebastião Alexandre Roberto "
    "Edson Diego Vítor Sérgio Cláudio Matheus Thiago Geraldo Adriano Luciano Júlio Renato Otávio "
    "Philippe Washington Wellington Cauã Heitor Benício Joaquim Caetano Vinícius Henrique"
)
PT_SURNAMES = _w(
    "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa Ribeiro "
    "Martins Carvalho Almeida Lopes Soares Fernandes Vieira Barbosa Rocha Dias Nascimento "
    "Andrade Moreira Nunes Marques Machado Mendes Freitas Cardoso Ramos Gonçalves Santana "
    "Teixeira Araújo Correia Cavalcanti Monteiro Moura Batista Pinto Farias Medeiros Campos "
    "Castro Melo Reis Miranda Brito Borges Cunha Coelho Mello Sampaio Bezerra Magalhães Queiroz "
    "Figueiredo Guimarães Siqueira Assunção Conceição Damasceno Brandão Cerqueira Vasconcelos "
    "Albuquerque Peixoto Tavares Xavier Chaves Sales Leite Macedo Pacheco Aguiar Bittencourt "
    "Fonseca Lacerda Moraes Nogueira Sousa Prado Rezende Valadares Junqueira Quintella Thomaz "
    "Assis Dantas Rangel Prates Falcão Esteves Pimentel Lins Bragança Drummond Meireles Frazão"
)
PT_STREETS = _w(
    "Tiradentes Sete_de_Setembro Quinze_de_Novembro Marechal_Deodoro Getúlio_Vargas "
    "Castro_Alves Rui_Barbosa Duque_de_Caxias Dom_Pedro_II Santos_Dumont Barão_do_Rio_Branco "
    "Marquês_de_Pombal Floriano_Peixoto Benjamin_Constant José_Bonifácio Princesa_Isabel "
    "Visconde_de_Mauá Machado_de_Assis Monteiro_Lobato Joaquim_Nabuco Anita_Garibaldi "
    "Voluntários_da_Pátria Bandeirantes Independência Paraná Amazonas Bahia Goiás Ceará "
    "Pernambuco Maranhão Piauí Sergipe Alagoas Guararapes Ipiranga Consolação Augusta Paulista "
    "Brigadeiro_Luís_Antônio Conselheiro_Crispiniano Cardeal_Arcoverde Teodoro_Sampaio "
    "Oscar_Freire Haddock_Lobo Bela_Cintra Frei_Caneca Vergueiro Domingos_de_Morais"
)
PT_STREET_TYPES = ("Rua", "Rua", "Rua", "Avenida", "Travessa", "Praça", "Alameda")

IT_FIRST = _w(
    "Giuseppe Giovanni Antonio Mario Luigi Francesco Angelo Vincenzo Pietro Salvatore Carlo "
    "Franco Domenico Bruno Paolo Michele Giorgio Aldo Sergio Luciano Marco Andrea Alessandro "
    "Luca Matteo Lorenzo Stefano Roberto Davide Simone Riccardo Nicolò Federico Gabriele "
    "Tommaso Emanuele Daniele Cicciò Gennaro Ciro Raffaele Filippo Gianluca Jacopo Ignazio "
    "Maria Anna Giuseppina Rosa Angela Giovanna Teresa Lucia Carmela Caterina Francesca Giulia "
    "Chiara Sara Martina Alessia Federica Valentina Silvia Elisa Beatrice Aurora Ginevra Gioia "
    "Grazia Assunta Concetta Annunziata Gaetana Agnese Ilaria Serena Cristina Raffaella"
)
IT_SURNAMES = _w(
    "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti "
    "De_Luca Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro Mariani "
    "Rinaldi Caruso Ferrara Galli Martini Leone Longo Gentile Martinelli Vitale Lombardo Serra "
    "Coppola De_Santis D'Angelo Marchetti Parisi Villa Conte Ferraro Ferri Fabbri Bianco "
    "Marini Grasso Valentini Messina Sala De_Angelis Gatti Pellegrini Palumbo Sanna Farina "
    "Rizzi Monti Cattaneo Morelli Amato Silvestri Mazza Testa Grassi Pellegrino Carbone "
    "Giuliani Benedetti Barone Rossetti Caputo Montanari Guerra Palmieri Bernardi Martino "
    "Fiore De_Rosa Ferretti Bellini Basile Riva Donati Piras Vitali Battaglia Sartori Neri "
    "Cicciarelli Zucchetti Chiappetta Scognamiglio Squillace Giacchetti Cacciapuoti Gnocchi"
)
IT_STREETS = _w(
    "Roma Garibaldi Mazzini Cavour Vittorio_Emanuele_II Dante_Alighieri Giuseppe_Verdi "
    "Matteotti Gramsci Kennedy Marconi Leopardi Manzoni Carducci Pascoli Montegrappa Piave "
    "XX_Settembre IV_Novembre XXV_Aprile Dei_Mille Risorgimento Repubblica Libertà Nazionale "
    "Torino Milano Napoli Venezia Firenze Bologna Genova Trieste Verona Solferino Magenta "
    "San_Francesco Santa_Chiara San_Giovanni Sant'Antonio Madonna_delle_Grazie Fiume Tevere "
    "Cesare_Battisti Nazario_Sauro Fratelli_Bandiera Aldo_Moro Falcone_e_Borsellino"
)
IT_STREET_TYPES = ("Via", "Via", "Via", "Viale", "Piazza", "Corso", "Vicolo")

CS_FIRST_M = _w(
    "Jiří Jan Petr Josef Pavel Martin Tomáš Jaroslav Miroslav Zdeněk Václav Michal František "
    "Jakub Milan Karel Lukáš David Vladimír Ladislav Ondřej Stanislav Roman Radek Marek Daniel "
    "Antonín Vojtěch Filip Adam Matěj Dominik Patrik Štěpán Kryštof Bohumil Přemysl Vratislav"
)
CS_FIRST_F = _w(
    "Marie Jana Eva Hana Anna Lenka Kateřina Věra Lucie Alena Petra Jaroslava Veronika Martina "
    "Tereza Michaela Jitka Helena Ludmila Zdeňka Ivana Monika Eliška Zuzana Markéta Jarmila "
    "Barbora Kristýna Klára Šárka Dagmar Libuše Božena Radka Iveta Vlasta Žaneta Dana"
)
CS_SURNAMES_M = _w(
    "Novák Svoboda Novotný Dvořák Černý Procházka Kučera Veselý Horák Němec Pokorný Marek "
    "Pospíšil Hájek Jelínek Král Růžička Beneš Fiala Sedláček Doležal Zeman Kolář Navrátil "
    "Čermák Vaněk Urban Blažek Kříž Kovář Bartoš Vlček Polák Musil Kopecký Šimek Konečný "
    "Malý Holub Štěpánek Kadlec Staněk Dostál Soukup Šťastný Mareš Moravec Sýkora Tichý Valenta "
    "Vávra Matoušek Říha Ševčík Bureš Hruška Pavlík Wagner Janda Skála Šindelář Řezníček "
    "Chalupa Chvátal Hrubý Machala Žák Vondráček Kratochvíl Bláha Hrdlička Přibyl Chmelař"
)
CS_STREETS = _w(
    "Masarykova Husova Palackého Nádražní Školní Komenského Havlíčkova Smetanova Tyršova "
    "Jiráskova Žižkova Riegrova Nerudova Karlova Lidická Revoluční Sokolská Zahradní "
    "Polní Lesní Krátká Dlouhá Luční Pražská Brněnská Olomoucká Husitská Čapkova Vrchlického "
    "Dvořákova Janáčkova Fügnerova Purkyňova Štefánikova Resslova Tylova Křižíkova Wilsonova "
    "Náměstí_Míru Náměstí_Republiky Vítězná Bezručova Erbenova Klostermannova Ostrovského"
)


def _cs_female(surname: str) -> str:
    """Novák -> Nováková, Černý -> Černá, Procházka -> Procházková."""
    if surname.endswith("ý"):
        return surname[:-1] + "á"
    if surname.endswith("a"):
        return surname[:-1] + "ová"
    if surname.endswith("ek"):
        return surname[:-2] + "ková"
    return surname + "ová"


def _zipf(n: int, s: float = 0.9) -> list[float]:
    return [1 / (k**s) for k in range(1, n + 1)]


class NameMaker:
    """Draws names and streets for one language (``pt``, ``it``, ``cs``)."""

    def __init__(self, lang: str, rnd: random.Random) -> None:
        self.lang, self.rnd = lang, rnd
        self._surnames = {
            "pt": PT_SURNAMES,
            "it": IT_SURNAMES,
            "cs": CS_SURNAMES_M,
        }[lang]
        self._w = _zipf(len(self._surnames))
        self._streets = {"pt": PT_STREETS, "it": IT_STREETS, "cs": CS_STREETS}[lang]

    def _surname(self) -> str:
        return self.rnd.choices(self._surnames, self._w)[0].replace("_", " ")

    def name(self) -> str:
        r = self.rnd
        if self.lang == "pt":
            return f"{r.choice(PT_FIRST)} {self._surname()} {self._surname()}"
        if self.lang == "it":
            first = r.choice(IT_FIRST)
            if r.random() < 0.25:
                first = f"{first} {r.choice(IT_FIRST)}"
            return f"{first} {self._surname()}"
        if r.random() < 0.5:
            return f"{r.choice(CS_FIRST_M)} {self._surname()}"
        return f"{r.choice(CS_FIRST_F)} {_cs_female(self._surname())}"

    def street(self) -> str:
        base = self.rnd.choice(self._streets).replace("_", " ")
        if self.lang == "pt":
            return f"{self.rnd.choice(PT_STREET_TYPES)} {base}"
        if self.lang == "it":
            return f"{self.rnd.choice(IT_STREET_TYPES)} {base}"
        return base


# --- misspellings --------------------------------------------------------------------------

_PHONETIC: dict[str, list[tuple[str, str]]] = {
    "pt": [
        ("ç", "c"), ("ç", "s"), ("ss", "s"), ("s", "z"), ("z", "s"), ("ph", "f"), ("th", "t"),
        ("y", "i"), ("i", "y"), ("es$", "is"), ("e$", "i"), ("o$", "u"), ("lh", "li"),
        ("ll", "l"), ("x", "ch"), ("ch", "x"), ("qu", "k"), ("w", "v"), ("mm", "m"),
        ("tt", "t"), ("ei", "e"), ("ou", "o"),
    ],
    "it": [
        ("cc", "c"), ("zz", "z"), ("ss", "s"), ("tt", "t"), ("ll", "l"), ("pp", "p"),
        ("gg", "g"), ("rr", "r"), ("nn", "n"), ("mm", "m"), ("bb", "b"), ("ph", "f"),
        ("y", "i"), ("j", "i"), ("ò$", "o"), ("cch", "ch"), ("gn", "ni"), ("z", "zz"),
        ("c", "cc"), ("s", "ss"), ("l", "ll"),
    ],
    "cs": [
        ("ř", "r"), ("ř", "rz"), ("ch", "h"), ("y", "i"), ("i", "y"), ("w", "v"), ("v", "w"),
        ("ová$", "ova"), ("ck", "k"), ("ou", "u"), ("š", "s"), ("č", "c"), ("ž", "z"),
        ("ě", "e"), ("ů", "u"),
    ],
}  # fmt: skip


def strip_accents(text: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


def phonetic_variant(word: str, lang: str, rnd: random.Random) -> str:
    """Apply one spelling rule that keeps the sound (if one applies)."""
    rules = [(a, b) for a, b in _PHONETIC[lang] if re.search(a, word.lower())]
    if not rules:
        return word
    a, b = rnd.choice(rules)
    matches = list(re.finditer(a, word.lower()))
    m = rnd.choice(matches)
    out = word[: m.start()] + b + word[m.end() :]
    return out[:1].upper() + out[1:] if word[:1].isupper() else out


def typo(word: str, rnd: random.Random) -> str:
    """One keyboard slip: delete, transpose, substitute or insert a letter (not the first)."""
    if len(word) < 4:
        return word
    i = rnd.randrange(1, len(word) - 1)
    kind = rnd.choice(("delete", "transpose", "substitute", "insert"))
    letters = "aeioulnrstcdm"
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "transpose":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "substitute":
        return word[:i] + rnd.choice(letters.replace(word[i].lower(), "")) + word[i + 1 :]
    return word[:i] + rnd.choice(letters) + word[i:]


def misspell(name: str, lang: str, rnd: random.Random) -> tuple[str, str]:
    """``(query, kind)``: the name as typed with a phonetic variant, a typo or both; accents
    are dropped half of the time (people type on phones and US keyboards)."""
    words = name.split()
    kind = rnd.choice(("phonetic", "phonetic", "typo", "both"))
    long_words = [i for i, w in enumerate(words) if len(w) >= 4] or [0]
    if kind in ("phonetic", "both"):
        i = rnd.randrange(len(words))
        changed = phonetic_variant(words[i], lang, rnd)
        if changed == words[i]:
            changed = strip_accents(words[i])
        words[i] = changed
    if kind in ("typo", "both"):
        i = rnd.choice(long_words)
        words[i] = typo(words[i], rnd)
    query = " ".join(words)
    if rnd.random() < 0.5:
        query = strip_accents(query)
    if rnd.random() < 0.3:
        query = query.lower()
    return query, kind
