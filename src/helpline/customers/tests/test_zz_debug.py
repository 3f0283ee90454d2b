import random
import pytest
from helpline.customers.search import search
from helpline.customers.tests.population import people, populate
from helpline.customers.tests.test_search_recall import _org

@pytest.mark.django_db
def test_debug():
    rnd = random.Random(14)
    for lang, qs in (("pt", ["Dias"]), ("it", ["Pierpaolo Conti", "Giampiero Conti"]), ("cs", ["Ldumila Dvořáková"])):
        org = _org(lang)
        populate(org, people(lang, 2000, rnd))
        for q in qs:
            print(q)
            for h in search(org=org, text=q, limit=12).customers:
                print("   ", h.score, h.reason, h.customer.name, "|", h.street)
