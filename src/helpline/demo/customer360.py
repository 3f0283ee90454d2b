"""Customer 360 data for the demo: an address for every customer, service accounts for most
(water meters in Brazil, municipal registrations in Italy) and a few street-light poles and
hydrants as assets. Drawn from its own generator, so the rest of the demo stays the same
for a given seed."""

from __future__ import annotations

from random import Random

from helpline.customers import services
from helpline.customers.models import Customer, CustomerKind
from helpline.lib.actors import Actor
from helpline.tenancy.models import Organization

STREETS = {
    "BR": (
        "Rua Tiradentes", "Rua Sete de Setembro", "Avenida Getúlio Vargas", "Rua Castro Alves",
        "Rua Duque de Caxias", "Travessa São João", "Rua Marechal Deodoro", "Praça da Matriz",
        "Rua Conceição", "Avenida Brasil", "Rua Santos Dumont", "Rua Gonçalves Dias",
    ),
    "IT": (
        "Via Roma", "Via Garibaldi", "Corso Vittorio Emanuele II", "Via Mazzini",
        "Piazza del Municipio", "Via Dante Alighieri", "Viale della Repubblica", "Via Cavour",
        "Vicolo dei Mille", "Via San Francesco", "Via Giuseppe Verdi", "Via XX Settembre",
    ),
}  # fmt: skip
DISTRICTS = {
    "BR": ("Centro", "Jardim América", "Vila Nova", "Boa Vista", "São José"),
    "IT": ("Centro storico", "Borgo San Rocco", "Pianura", "Colle Alto", "Marina"),
}
MUNICIPALITY = {"BR": "Vale Verde", "IT": "Valdoria"}
POSTCODE = {"BR": "13{:03d}-{:03d}", "IT": "5{:04d}"}

SYSTEM = Actor.system("demo")


def _postcode(country: str, rng: Random) -> str:
    if country == "BR":
        return POSTCODE["BR"].format(rng.randint(0, 999), rng.randint(0, 999))
    return POSTCODE["IT"].format(rng.randint(0, 9999))


def add_customer_360(*, org: Organization, customers: list[Customer], seed: str) -> None:
    """Addresses, accounts and assets for the demo tenant's customers."""
    rng = Random(f"{seed}:customer360")
    country = "BR" if org.country == "BR" else "IT"
    streets = STREETS[country]
    for n, customer in enumerate(customers, start=1):
        if any(word in customer.name for word in ("Ltda", "Srl", "S.p.A.", "EIRELI", " ME", "EPP")):
            Customer.objects.filter(pk=customer.pk).update(kind=CustomerKind.COMPANY)
        street = rng.choice(streets)
        address = services.add_address(
            customer=customer,
            actor=SYSTEM,
            street=street,
            street_code=f"{streets.index(street) + 1:04d}",
            house_number=str(rng.randint(1, 900)),
            district=rng.choice(DISTRICTS[country]),
            municipality=MUNICIPALITY[country],
            postcode=_postcode(country, rng),
        )
        if rng.random() < 0.7:
            services.create_account(
                customer=customer,
                actor=SYSTEM,
                identity_check=None,
                checked=False,
                account_number=f"{org.protocol_prefix}-{n:06d}",
                municipal_registration=f"{rng.randint(1, 99):02d}.{rng.randint(1, 9999):04d}"
                if country == "IT"
                else "",
                meter_number=f"HD{rng.randint(100000, 999999)}" if country == "BR" else "",
                address_id=address.pk,
            )
    kind, prefix, count = ("street_light", "LP", 24) if country == "IT" else ("hydrant", "HID", 12)
    for i in range(1, count + 1):
        services.create_asset(
            org=org,
            actor=SYSTEM,
            code=f"{prefix}-{i:04d}",
            kind=kind,
            location=f"{rng.choice(streets)} {rng.randint(1, 300)}",
        )
