from helpline.cases.services import open_case


def test_open_case_gives_the_first_protocol_number_of_the_year(tenant_a):
    case = open_case(org=tenant_a.org, actor=tenant_a.actor, channel="counter",
                     case_type="information", title="Opening hours")
    assert case.protocol_number.startswith("CMN-")
    assert case.protocol_number.endswith("-0000001")
