"""A labelled generator for identity resolution: people, their records, and which records are one person.

    from bench.identity_generator import generate
    rows = generate(50_000, seed=1)   # dicts: the customer fields the engine takes, plus entity, kind, noise

Every person (an `entity`) gets one `original` record; some get one or two `duplicate` records written with
the noise real data has (the `noise` column names it, "+"-joined):

    name_typo      one edit in the given or the family name
    nickname       a real nickname for the formal name (Robert/Bob, Margarethe/Gretel, Ekaterina/Katya, ...)
    translit       another spelling of the same letters: Jürgen/Juergen, Łukasz/Lukasz, Юрий as Yuriy/Iurii/Juri,
                   Γεώργιος as Georgios/Yeoryios (the original may be in Cyrillic or Greek script)
    swap_names     given and family name the other way round
    dob_swap       day and month swapped
    dob_typo       one digit of the birth date wrong
    missing        one or two of e-mail, phone, birth date, address, national ID left out
    phone_format   the phone written another way (national, spaced, dotted): the same E.164 after normalisation
    phone_prefix   the national number keyed in under another country's prefix
    email_domain   the same e-mail name at another provider
    moved          a new address (and often a new landline): the person moved house

and hard non-duplicates, each a person of their own (`related` is the entity they live with or share a name with):

    family    shares address and family name (the gendered form where the language has one), often the
              landline, sometimes the e-mail; another given name and birth date
    twin      shares family name, birth date and address; another given name (sometimes a rhyming one)
    flatmate  shares the address only
    namesake  the same given and family name as someone else, another birth date and address

Deterministic: the same (records, seed) gives the same rows with the same Faker version. Names and addresses
come from Faker in ten locales, drawn into pools once per locale so that a million rows take seconds.
"""

from __future__ import annotations

import datetime
import random
import unicodedata
from functools import lru_cache

import phonenumbers

# locale -> (country, e-mail providers of that country, share of people)
LOCALES = {
    "en_US": ("US", ("gmail.com", "yahoo.com", "outlook.com", "aol.com", "icloud.com"), 20),
    "en_GB": ("GB", ("gmail.com", "btinternet.com", "outlook.com", "yahoo.co.uk", "sky.com"), 12),
    "de_DE": ("DE", ("gmail.com", "web.de", "gmx.de", "t-online.de", "outlook.de"), 14),
    "fr_FR": ("FR", ("gmail.com", "orange.fr", "free.fr", "laposte.net", "sfr.fr"), 9),
    "es_ES": ("ES", ("gmail.com", "hotmail.es", "telefonica.net", "yahoo.es"), 8),
    "it_IT": ("IT", ("gmail.com", "libero.it", "virgilio.it", "alice.it"), 8),
    "pl_PL": ("PL", ("gmail.com", "wp.pl", "onet.pl", "interia.pl", "o2.pl"), 8),
    "nl_NL": ("NL", ("gmail.com", "ziggo.nl", "kpnmail.nl", "hotmail.nl"), 6),
    "ru_RU": ("RU", ("gmail.com", "yandex.ru", "mail.ru", "rambler.ru"), 9),
    "el_GR": ("GR", ("gmail.com", "otenet.gr", "yahoo.gr", "hotmail.gr"), 6),
}

# Real nicknames (formal, gender, nicknames), by language; the original is written with the formal name.
NICKNAMES = {
    "en": [("Robert", "m", ("Bob", "Rob", "Bobby")), ("William", "m", ("Bill", "Will", "Billy")),
           ("Richard", "m", ("Dick", "Rick", "Rich")), ("James", "m", ("Jim", "Jimmy", "Jamie")),
           ("Edward", "m", ("Ted", "Ed", "Eddie")), ("Charles", "m", ("Chuck", "Charlie")),
           ("Anthony", "m", ("Tony",)), ("Michael", "m", ("Mike", "Mick")), ("Thomas", "m", ("Tom", "Tommy")),
           ("Christopher", "m", ("Chris", "Kit")), ("Henry", "m", ("Harry", "Hank")), ("John", "m", ("Jack", "Johnny")),
           ("Elizabeth", "f", ("Liz", "Beth", "Betty", "Eliza")), ("Katherine", "f", ("Kate", "Kathy", "Katie")),
           ("Margaret", "f", ("Peggy", "Maggie", "Meg")), ("Jennifer", "f", ("Jenny", "Jen")),
           ("Patricia", "f", ("Patty", "Trish", "Pat")), ("Deborah", "f", ("Debbie", "Deb")),
           ("Susan", "f", ("Sue", "Suzy")), ("Rebecca", "f", ("Becky",)), ("Dorothy", "f", ("Dot", "Dolly")),
           ("Alexandra", "f", ("Sandra", "Alex", "Lexi")), ("Victoria", "f", ("Vicky", "Tori"))],
    "de": [("Johannes", "m", ("Hans", "Jo")), ("Friedrich", "m", ("Fritz",)), ("Wolfgang", "m", ("Wolf",)),
           ("Jakob", "m", ("Jockel",)), ("Maximilian", "m", ("Max",)), ("Alexander", "m", ("Alex",)),
           ("Matthias", "m", ("Hias", "Matze")), ("Katharina", "f", ("Käthe", "Kathi")),
           ("Margarethe", "f", ("Gretel", "Grete")), ("Elisabeth", "f", ("Lisa", "Liesel", "Sissi")),
           ("Susanne", "f", ("Susi",)), ("Franziska", "f", ("Franzi",))],
    "fr": [("Dominique", "m", ("Dom",)), ("Frédéric", "m", ("Fred",)), ("Christophe", "m", ("Chris",)),
           ("Guillaume", "m", ("Guigui",)), ("Élisabeth", "f", ("Babette", "Élise")),
           ("Marguerite", "f", ("Margot", "Guite")), ("Isabelle", "f", ("Isa",)), ("Catherine", "f", ("Cathy",))],
    "es": [("José", "m", ("Pepe",)), ("Francisco", "m", ("Paco", "Pancho", "Curro")), ("Ignacio", "m", ("Nacho",)),
           ("Guillermo", "m", ("Memo",)), ("Manuel", "m", ("Manolo",)), ("Dolores", "f", ("Lola",)),
           ("Concepción", "f", ("Concha",)), ("Mercedes", "f", ("Merche",)), ("Rosario", "f", ("Charo",))],
    "it": [("Giuseppe", "m", ("Beppe", "Peppe", "Pino")), ("Giovanni", "m", ("Gianni", "Vanni")),
           ("Francesco", "m", ("Franco", "Cecco")), ("Salvatore", "m", ("Totò", "Turi")),
           ("Domenico", "m", ("Mimmo",)), ("Antonella", "f", ("Nella",)), ("Giuseppina", "f", ("Pina",)),
           ("Francesca", "f", ("Franca",))],
    "pl": [("Aleksander", "m", ("Olek",)), ("Wojciech", "m", ("Wojtek",)), ("Stanisław", "m", ("Staszek",)),
           ("Józef", "m", ("Józek",)), ("Małgorzata", "f", ("Gosia", "Małgosia")), ("Katarzyna", "f", ("Kasia",)),
           ("Agnieszka", "f", ("Aga",)), ("Elżbieta", "f", ("Ela",))],
    "nl": [("Johannes", "m", ("Jan", "Hans")), ("Cornelis", "m", ("Kees",)), ("Hendrik", "m", ("Henk",)),
           ("Gerardus", "m", ("Gerard", "Gert")), ("Wilhelmina", "f", ("Mien", "Willy")), ("Johanna", "f", ("Anneke",))],
    "ru": [("Александр", "m", ("Саша", "Шура")), ("Дмитрий", "m", ("Дима",)), ("Михаил", "m", ("Миша",)),
           ("Иван", "m", ("Ваня",)), ("Владимир", "m", ("Володя", "Вова")), ("Николай", "m", ("Коля",)),
           ("Екатерина", "f", ("Катя",)), ("Елена", "f", ("Лена",)), ("Мария", "f", ("Маша",)),
           ("Наталья", "f", ("Наташа",)), ("Анастасия", "f", ("Настя",))],
    "el": [("Κωνσταντίνος", "m", ("Κώστας", "Ντίνος")), ("Γεώργιος", "m", ("Γιώργος",)),
           ("Δημήτριος", "m", ("Δημήτρης", "Τάκης")), ("Ιωάννης", "m", ("Γιάννης",)), ("Παναγιώτης", "m", ("Πάνος",)),
           ("Αικατερίνη", "f", ("Κατερίνα",)), ("Αναστασία", "f", ("Τασία",)), ("Παρασκευή", "f", ("Βούλα", "Εύη"))],
}

# Cyrillic in three romanisations people meet: BGN/PCGN, the ICAO passport one, and German (Duden).
_CYR = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_CYR_SYSTEMS = {
    "bgn": "a b v g d e yo zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya",
    "icao": "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch ie y - e iu ia",
    "duden": "a b w g d e jo sch s i j k l m n o p r s t u f ch z tsch sch schtsch - y - e ju ja",
}
# Greek: ELOT 743 (passports) and a phonetic spelling.
_GRK = "αβγδεζηθικλμνξοπρσςτυφχψω"
_GRK_SYSTEMS = {
    "elot": "a v g d e z i th i k l m n x o p r s s t y f ch ps o",
    "phonetic": "a v g d e z i th i k l m n ks o p r s s t i f h ps o",
}
_GRK_DIGRAPHS = {"elot": {"ου": "ou"}, "phonetic": {"ου": "u", "ει": "i", "αι": "e", "οι": "i", "γι": "yi", "γε": "ye"}}
_GERMAN = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
_NOT_DECOMPOSED = {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "ı": "i", "æ": "ae", "œ": "oe"}

KINDS = ("original", "duplicate", "family", "twin", "flatmate", "namesake")
NOISES = ("name_typo", "nickname", "translit", "swap_names", "dob_swap", "dob_typo", "missing", "phone_format",
          "phone_prefix", "email_domain", "moved")
FIELDS = ("id", "entity", "kind", "noise", "related", "team_id", "given_name", "family_name", "date_of_birth", "email", "phone",
          "phone_raw", "national_id_index", "postal_code", "city", "address_line1", "country")


def _strip_accents(text: str) -> str:
    text = "".join(_NOT_DECOMPOSED.get(ch, ch) for ch in text)
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


def romanise(text: str, system: str) -> str:
    """Cyrillic or Greek text in Latin letters by `system` (bgn, icao, duden; elot, phonetic); Latin text
    with its accents ("german": Jürgen -> Juergen; "plain": Łukasz -> Lukasz)."""
    if system == "german":
        return _strip_accents("".join(_GERMAN.get(ch, ch) for ch in text))
    if system == "plain":
        return _strip_accents(text)
    out = []
    for word in text.split(" "):
        lower = _strip_accents(word).lower() if system in _GRK_SYSTEMS else word.lower()
        if system in _CYR_SYSTEMS:
            table = dict(zip(_CYR, _CYR_SYSTEMS[system].split()))
            latin = "".join(table.get(ch, ch).replace("-", "") for ch in lower)
        else:
            table = dict(zip(_GRK, _GRK_SYSTEMS[system].split()))
            for digraph, value in _GRK_DIGRAPHS[system].items():
                lower = lower.replace(digraph, value)
            latin = "".join(table.get(ch, ch) for ch in lower)
        out.append("-".join(p.capitalize() for p in latin.split("-")))
    return " ".join(out)


def _same_name(a: str, b: str) -> bool:
    """One name, whatever script or romanisation it is written in."""
    from anyascii import anyascii

    def key(name):
        return "".join(ch for ch in anyascii(name).lower() if ch.isalpha())
    return key(a) == key(b) or bool(set(_spellings(a) + [a]) & set(_spellings(b) + [b]))


def _script(text: str) -> str:
    for ch in text:
        if "\u0400" <= ch <= "\u04ff":
            return "cyrillic"
        if "\u0370" <= ch <= "\u03ff" or "\u1f00" <= ch <= "\u1fff":
            return "greek"
    return "latin"


def _spellings(name: str) -> list[str]:
    """Other ways the same name is written in Latin letters (none when there is only one)."""
    script = _script(name)
    if script == "cyrillic":
        found = {romanise(name, s) for s in _CYR_SYSTEMS}
    elif script == "greek":
        found = {romanise(name, s) for s in _GRK_SYSTEMS}
    else:
        found = {romanise(name, "german"), romanise(name, "plain")}
    found.discard(name)
    return sorted(found)


class _Pool:
    """Names and addresses of one locale, drawn from Faker once."""

    def __init__(self, locale: str, seed: int, size: int = 400):
        from faker import Faker

        fake = Faker(locale)
        fake.seed_instance(seed)
        gendered = locale in ("ru_RU", "pl_PL", "el_GR")
        self.locale, self.lang = locale, locale[:2]
        self.country, self.providers, _ = LOCALES[locale]
        self.given = {"m": [fake.first_name_male() for _ in range(size)],
                      "f": [fake.first_name_female() for _ in range(size)]}
        self.family = []  # (male form, female form)
        for _ in range(size):
            if gendered:
                male = fake.last_name_male()
                self.family.append((male, _feminine(locale, male)))
            else:
                name = fake.last_name()
                self.family.append((name, name))
        self.addresses = []
        for _ in range(size * 5):
            street = fake.street_address().replace("\n", ", ")
            self.addresses.append((street, fake.postcode(), fake.city()))
        self.phones = {}
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(self.country, kind)
            self.phones[kind] = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        self.nicknames = {g: [(f, n) for f, gg, n in NICKNAMES.get(self.lang, []) if gg == g] for g in "mf"}


def _feminine(locale: str, male: str) -> str:
    """The feminine form of a family name where the language has one (Kowalski/Kowalska, Ivanov/Ivanova)."""
    if locale == "pl_PL" and male.endswith(("ski", "cki", "dzki")):
        return male[:-1] + "a"
    if locale == "ru_RU":
        if male.endswith(("ов", "ев", "ин", "ын")):
            return male + "а"
        if male.endswith(("ский", "цкий")):
            return male[:-2] + "ая"
    if locale == "el_GR":
        for end, fem in (("ος", "ου"), ("ός", "ού"), ("ης", "η"), ("ής", "ή"), ("ας", "α"), ("άς", "ά")):
            if male.endswith(end):
                return male[:-len(end)] + fem
    return male


@lru_cache(maxsize=64)
def _pools(seed: int) -> dict[str, _Pool]:
    return {loc: _Pool(loc, seed + n) for n, loc in enumerate(LOCALES)}


class _Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.pools = _pools(seed)
        self.locales = list(LOCALES)
        self.weights = [LOCALES[loc][2] for loc in self.locales]
        self.rows: list[dict] = []
        self.entity = 0
        # A mailbox belongs to one person (shared only on purpose, within a household): a provider refuses an
        # address already taken, and people then add digits.
        self.mailboxes: set[str] = set()

    # --- values -------------------------------------------------------------------------------------------
    def phone(self, pool: _Pool, mobile: bool = True) -> str:
        kind = phonenumbers.PhoneNumberType.MOBILE if mobile else phonenumbers.PhoneNumberType.FIXED_LINE
        example = pool.phones[kind]
        keep = len(example) - 6
        return example[:keep] + "".join(str(self.rng.randrange(10)) for _ in range(6))

    @staticmethod
    def landline(pool: _Pool, phone: str) -> bool:
        """A household shares a landline; a mobile is one person's."""
        return not phone.startswith(pool.phones[phonenumbers.PhoneNumberType.MOBILE][:5])

    def dob(self, low: int = 1940, high: int = 2006) -> datetime.date:
        start = datetime.date(low, 1, 1).toordinal()
        return datetime.date.fromordinal(self.rng.randrange(start, datetime.date(high, 12, 31).toordinal()))

    def email(self, pool: _Pool, given: str, family: str) -> str:
        g, f = (romanise(x, "plain") if _script(x) == "latin" else romanise(x, "bgn" if pool.lang == "ru" else "elot")
                for x in (given, family))
        g, f = ("".join(ch for ch in x.lower() if ch.isalnum()) for x in (g, f))
        style = self.rng.randrange(4)
        local = (f"{g}.{f}", f"{g[:1]}{f}", f"{g}{f}{self.rng.randrange(10, 99)}", f"{f}.{g}")[style]
        return self.mailbox(local, self.rng.choice(pool.providers))

    def mailbox(self, local: str, domain: str) -> str:
        address = f"{local}@{domain}"
        while address in self.mailboxes:
            address = f"{local}{self.rng.randrange(1, 1000)}@{domain}"
        self.mailboxes.add(address)
        return address

    def national_id(self) -> str:
        return "nid-" + "".join(self.rng.choice("0123456789abcdef") for _ in range(16))

    def writing(self, pool: _Pool) -> str | None:
        """How a record of a Russian or Greek person is written: in the script (None) or a romanisation."""
        if pool.lang in ("ru", "el") and self.rng.random() < 0.5:
            return self.rng.choice(sorted(_CYR_SYSTEMS if pool.lang == "ru" else _GRK_SYSTEMS))
        return None

    @staticmethod
    def written(name: str, system: str | None) -> str:
        return romanise(name, system) if system and _script(name) != "latin" else name

    # --- records ------------------------------------------------------------------------------------------
    def add(self, kind: str, entity: int, values: dict, noise: str = "", related: int = 0) -> dict:
        row = {"id": len(self.rows) + 1, "entity": entity, "kind": kind, "noise": noise, "related": related,
               "team_id": self.rng.randrange(1, 6), **values}
        self.rows.append(row)
        return row

    def person(self, pool: _Pool | None = None, gender: str | None = None) -> dict:
        """A new person's values (the formal name kept aside for nicknames)."""
        pool = pool or self.pools[self.rng.choices(self.locales, self.weights)[0]]
        gender = gender or self.rng.choice("mf")
        formal = None
        if pool.nicknames[gender] and self.rng.random() < 0.25:
            formal = self.rng.choice(pool.nicknames[gender])
            given = formal[0]
        else:
            given = self.rng.choice(pool.given[gender])
        male, female = self.rng.choice(pool.family)
        family = male if gender == "m" else female
        street, postcode, city = self.rng.choice(pool.addresses)
        values = {"given_name": given, "family_name": family, "date_of_birth": self.dob(),
                  "email": "", "phone": "", "phone_raw": "", "national_id_index": "",
                  "postal_code": postcode, "city": city, "address_line1": street, "country": pool.country}
        if self.rng.random() < 0.9:
            values["email"] = self.email(pool, given, family)
        if self.rng.random() < 0.88:
            values["phone"] = self.phone(pool, mobile=self.rng.random() < 0.7)
            values["phone_raw"] = values["phone"]
        if self.rng.random() < 0.3:
            values["national_id_index"] = self.national_id()
        if self.rng.random() < 0.08:
            values["date_of_birth"] = None
        system = self.writing(pool)
        values["given_name"] = self.written(given, system)
        values["family_name"] = self.written(family, system)
        return {"pool": pool, "gender": gender, "formal": formal, "family_forms": (male, female), "values": values,
                "system": system}

    def duplicate(self, person: dict) -> tuple[dict, str]:
        values = dict(person["values"])
        pool = person["pool"]
        applicable = [n for n in NOISES if self.applies(n, person, values)]
        weights = {"name_typo": 5, "nickname": 4, "translit": 4, "swap_names": 1, "dob_swap": 2, "dob_typo": 3,
                   "missing": 5, "phone_format": 3, "phone_prefix": 1, "email_domain": 3, "moved": 3}
        chosen = []
        for _ in range(self.rng.choice((1, 1, 2, 2, 3))):
            left = [n for n in applicable if n not in chosen]
            if not left:
                break
            chosen.append(self.rng.choices(left, [weights[n] for n in left])[0])
        # "missing" last: the other noises change values that it may then leave out.
        for noise in sorted(chosen, key=lambda n: (n == "missing", NOISES.index(n))):
            getattr(self, "_" + noise)(values, person, pool)
        if values == person["values"] and "name_typo" not in chosen:  # the noise happened to change nothing
            self._name_typo(values, person, pool)
            chosen.append("name_typo")
        return values, "+".join(sorted(chosen, key=NOISES.index))

    def applies(self, noise: str, person: dict, values: dict) -> bool:
        dob = values["date_of_birth"]
        if noise == "nickname":
            return person["formal"] is not None
        if noise == "translit":
            return bool(_spellings(values["given_name"]) or _spellings(values["family_name"]))
        if noise == "dob_swap":
            return dob is not None and dob.day <= 12 and dob.day != dob.month
        if noise == "dob_typo":
            return dob is not None
        if noise in ("phone_format", "phone_prefix"):
            return bool(values["phone"])
        if noise == "email_domain":
            return bool(values["email"])
        return True

    # --- noise --------------------------------------------------------------------------------------------
    def _name_typo(self, values, person, pool):
        field = self.rng.choice(("given_name", "family_name"))
        if len(values[field]) < 4:
            field = "family_name" if field == "given_name" else "given_name"
        name = values[field]
        if len(name) < 3:
            return
        letters = "aeioulnrstmkdh" if _script(name) == "latin" else name.lower()
        for _ in range(10):  # a transposition of two equal letters, or a letter for itself, is no typo
            i = self.rng.randrange(1, len(name) - 1)
            op = self.rng.randrange(4)
            if op == 0:
                typo = name[:i] + self.rng.choice(letters) + name[i + 1:]
            elif op == 1:
                typo = name[:i] + name[i + 1:]
            elif op == 2:
                typo = name[:i] + self.rng.choice(letters) + name[i:]
            else:
                typo = name[:i - 1] + name[i] + name[i - 1] + name[i + 1:]
            if typo != name:
                values[field] = typo
                return

    def _nickname(self, values, person, pool):
        nick = self.rng.choice(person["formal"][1])
        values["given_name"] = self.written(nick, person["system"] if self.rng.random() < 0.7 else self.writing(pool))

    def _translit(self, values, person, pool):
        for field in ("given_name", "family_name"):
            others = _spellings(values[field])
            if others:
                values[field] = self.rng.choice(others)

    def _swap_names(self, values, person, pool):
        values["given_name"], values["family_name"] = values["family_name"], values["given_name"]

    def _dob_swap(self, values, person, pool):
        d = values["date_of_birth"]
        values["date_of_birth"] = d.replace(month=d.day, day=d.month)

    def _dob_typo(self, values, person, pool):
        d = values["date_of_birth"]
        for _ in range(20):
            part = self.rng.randrange(3)
            try:
                if part == 0:
                    new = d.replace(year=d.year // 10 * 10 + self.rng.randrange(10))
                elif part == 1:
                    new = d.replace(day=d.day // 10 * 10 + self.rng.randrange(10))
                else:
                    new = d.replace(day=(d.day % 10) + 10 * self.rng.randrange(4))
            except ValueError:
                continue
            if new != d and new.year <= 2008:
                values["date_of_birth"] = new
                return

    def _missing(self, values, person, pool):
        present = [f for f in ("email", "phone", "date_of_birth", "address_line1", "national_id_index") if values[f]]
        for what in self.rng.sample(present, min(len(present), self.rng.choice((1, 1, 2)))):
            what = "address" if what == "address_line1" else what
            if what == "address":
                values.update(address_line1="", postal_code="", city="")
            elif what == "phone":
                values.update(phone="", phone_raw="")
            else:
                values[what] = None if what == "date_of_birth" else ""

    def _phone_format(self, values, person, pool):
        number = phonenumbers.parse(values["phone"])
        style = self.rng.choice((phonenumbers.PhoneNumberFormat.NATIONAL, phonenumbers.PhoneNumberFormat.INTERNATIONAL))
        raw = phonenumbers.format_number(number, style)
        if self.rng.random() < 0.3:
            raw = raw.replace(" ", ".").replace("-", ".")
        values["phone_raw"] = raw  # E.164 stays: the services normalise every written form to it

    def _phone_prefix(self, values, person, pool):
        number = phonenumbers.parse(values["phone"])
        national = str(number.national_number)
        code = self.rng.choice([c for c in (1, 44, 49, 33, 34, 39, 48, 31, 7, 30) if c != number.country_code])
        values["phone"] = f"+{code}{national}"
        values["phone_raw"] = values["phone"]

    def _email_domain(self, values, person, pool):
        local, domain = values["email"].split("@", 1)
        others = [p for p in (*pool.providers, "gmail.com", "outlook.com", "proton.me") if p != domain]
        values["email"] = self.mailbox(local, self.rng.choice(others))

    def _moved(self, values, person, pool):
        street, postcode, city = self.rng.choice(pool.addresses)
        values.update(address_line1=street, postal_code=postcode, city=city)
        if values["phone"] and self.landline(pool, values["phone"]) and self.rng.random() < 0.7:
            values["phone"] = values["phone_raw"] = self.phone(pool, mobile=False)

    # --- hard non-duplicates ------------------------------------------------------------------------------
    def housemate(self, person: dict, kind: str) -> None:
        pool, base = person["pool"], person["values"]
        other = self.person(pool)
        values = other["values"]
        values.update(address_line1=base["address_line1"], postal_code=base["postal_code"], city=base["city"])
        if kind in ("family", "twin"):
            male, female = person["family_forms"]
            values["family_name"] = self.written(male if other["gender"] == "m" else female, other["system"])
            if values["email"]:
                values["email"] = self.email(pool, other["values"]["given_name"], values["family_name"])
            if kind == "family" and base["date_of_birth"]:
                gap = self.rng.choice((-1, 1)) * self.rng.choice((self.rng.randrange(1, 6), self.rng.randrange(20, 36)))
                values["date_of_birth"] = self.dob(1940, 2006)
                try:
                    values["date_of_birth"] = values["date_of_birth"].replace(
                        year=min(max(base["date_of_birth"].year + gap, 1925), 2008))
                except ValueError:
                    pass
            if base["phone"] and self.landline(pool, base["phone"]) and self.rng.random() < 0.6:  # the landline
                values["phone"] = values["phone_raw"] = base["phone"]
            if base["email"] and self.rng.random() < 0.2:
                values["email"] = base["email"]
        if kind == "twin":
            values["date_of_birth"] = base["date_of_birth"] or self.dob()
            given = base["given_name"]
            if self.rng.random() < 0.2 and len(given) > 3 and _script(given) == "latin":
                values["given_name"] = self.rng.choice("BDHJLMNST") + given[1:].lower()  # Anna and Hanna
        # Another given name, not the same one in another script or spelling.
        for _ in range(5):
            if _same_name(values["given_name"], base["given_name"]):
                values["given_name"] = self.written(self.rng.choice(pool.given[other["gender"]]), other["system"])
        if _same_name(values["given_name"], base["given_name"]):
            return
        self.entity += 1
        self.add(kind, self.entity, values, related=person["entity"])

    def namesake(self, person: dict) -> None:
        pool, base = person["pool"], person["values"]
        other = self.person(pool, person["gender"])
        values = other["values"]
        values.update(given_name=base["given_name"], family_name=base["family_name"])
        if values["date_of_birth"] == base["date_of_birth"]:
            values["date_of_birth"] = self.dob()
        if values["email"]:
            values["email"] = self.email(pool, base["given_name"] + str(self.rng.randrange(100)), base["family_name"])
        self.entity += 1
        self.add("namesake", self.entity, values, related=person["entity"])


def generate(records: int, seed: int = 1) -> list[dict]:
    """`records` labelled rows (see the module docstring), the same for the same seed."""
    gen = _Gen(seed)
    rng = gen.rng
    while len(gen.rows) < records:
        person = gen.person()
        gen.entity += 1
        gen.add("original", gen.entity, person["values"])
        entity = person["entity"] = gen.entity
        roll = rng.random()
        copies = 2 if roll < 0.06 else 1 if roll < 0.30 else 0
        for _ in range(copies):
            values, noise = gen.duplicate(person)
            gen.add("duplicate", entity, values, noise)
        roll = rng.random()
        if roll < 0.08:
            gen.housemate(person, "family")
        elif roll < 0.09:
            gen.housemate(person, "twin")
        elif roll < 0.13:
            gen.housemate(person, "flatmate")
        elif roll < 0.17:
            gen.namesake(person)
    return gen.rows[:records]


def true_pairs(rows: list[dict]) -> set[tuple[int, int]]:
    """The pairs (smaller id, larger id) of records of one person."""
    by_entity: dict[int, list[int]] = {}
    for row in rows:
        by_entity.setdefault(row["entity"], []).append(row["id"])
    return {(a, b) for ids in by_entity.values() for i, a in enumerate(ids) for b in ids[i + 1:]}


if __name__ == "__main__":
    import sys

    for r in generate(int(sys.argv[1]) if len(sys.argv) > 1 else 30, seed=int(sys.argv[2]) if len(sys.argv) > 2 else 1):
        print({k: r[k] for k in FIELDS})
