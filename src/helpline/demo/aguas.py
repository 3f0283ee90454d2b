"""Demo tenant 2: a Brazilian water and sewage utility (Águas do Vale, Vale do Paraíba, SP).

Topics follow what sanitation-company customer-service contracts list: water outages,
leaks, duplicate bills, connections/reconnections/disconnections, water quality, meter
readings and consumption, and the ombudsman (ouvidoria), with a 24/7 phone line.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from random import Random

from helpline.cases.choices import CaseType as T
from helpline.cases.choices import Level
from helpline.demo.spec import (
    QueueSpec,
    ReportBurst,
    SegmentSpec,
    SubjectSpec,
    TenantSpec,
    Texts,
    TopicSpec,
    UserSpec,
)
from helpline.tenancy.models import Role

RUAS = (
    "Rua XV de Novembro",
    "Av. Independência",
    "Rua das Palmeiras",
    "Rua Sete de Setembro",
    "Av. Brasil",
    "Travessa São José",
    "Rua Dom Pedro II",
    "Rua Tiradentes",
    "Av. Nove de Julho",
    "Rua Monteiro Lobato",
    "Rua Benedito Siqueira",
    "Rua das Acácias",
    "Rua Santos Dumont",
    "Av. Dr. Adhemar de Barros",
    "Rua José Bonifácio",
    "Rua dos Ipês",
    "Estrada Municipal do Rio Abaixo",
    "Rua Padre Anchieta",
    "Rua Coronel Marcondes",
)
BAIRROS = (
    "Centro",
    "Jardim das Flores",
    "Vila Nova",
    "Parque Industrial",
    "Jardim Primavera",
    "Bela Vista",
    "Vila Industrial",
    "Jardim Esperança",
    "Campo Alegre",
    "Residencial Vale do Sol",
)
MESES = (
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
)


def placeholders(rng: Random, at: datetime) -> dict[str, str]:
    visit = at + timedelta(days=rng.randint(1, 6))
    last_month = (at.month - 2) % 12
    return {
        "rua": rng.choice(RUAS),
        "numero": str(rng.randint(10, 2400)),
        "bairro": rng.choice(BAIRROS),
        "matricula": f"{rng.randint(100000, 999999)}-{rng.randint(0, 9)}",
        "hidrometro": f"A{rng.randint(10, 24)}L{rng.randint(100000, 999999)}",
        "valor": f"R$ {rng.randint(48, 690)},{rng.randint(0, 99):02d}",
        "mes": MESES[last_month],
        "os": f"OS {rng.randint(2100000, 2999999)}",
        "data": visit.strftime("%d/%m"),
        "consumo": str(rng.randint(9, 68)),
        "prazo": rng.choice(("24 horas", "48 horas", "até 3 dias úteis")),
    }


S = SubjectSpec

ABASTECIMENTO = TopicSpec(
    code="abastecimento",
    name="Falta d'água e abastecimento",
    description="Falta de água, baixa pressão e intermitência no abastecimento.",
    subjects=(
        S(
            code="falta-agua",
            name="Falta d'água",
            case_type=T.FAULT_REPORT,
            weight=10,
            path="l2",
            urgency=(2, 55, 35, 8),
            titles=(
                "Falta d'água na {rua}, {numero}",
                "Sem água desde ontem no bairro {bairro}",
                "Falta de abastecimento - {bairro}",
            ),
            descriptions=(
                "Estamos sem água desde ontem à tarde na {rua}, {numero}, bairro {bairro}. "
                "Os vizinhos também estão sem.",
                "Minha caixa d'água secou, não chega água desde cedo. Tem alguma manutenção "
                "na região do {bairro}?",
                "Falta água todos os dias à noite aqui na {rua}. Já virou rotina.",
            ),
            notes=(
                "Consultado o sistema operacional: manobra na rede do setor {bairro}.",
                "Equipe de campo verificou registro fechado no cavalete da rua.",
                "Cliente em área de intermitência; previsão de normalização informada.",
            ),
            tasks=("Vistoria de campo - {os}", "Verificação de pressão na rede"),
            resolutions=(
                "{greeting}, o abastecimento na {rua} foi normalizado. Pode levar algumas "
                "horas para a caixa d'água encher totalmente.",
                "{greeting}, nossa equipe esteve no local e o fornecimento foi restabelecido. "
                "Protocolo {protocol}.",
            ),
        ),
        S(
            code="baixa-pressao",
            name="Baixa pressão",
            case_type=T.FAULT_REPORT,
            weight=4,
            path="l2",
            urgency=(15, 75, 10, 0),
            titles=("Água chegando fraca na {rua}", "Baixa pressão no bairro {bairro}"),
            descriptions=(
                "A água chega muito fraca, não sobe para a caixa d'água. {rua}, {numero}.",
                "Desde a semana passada a pressão da água caiu muito no {bairro}.",
            ),
            notes=("Medição de pressão agendada com a equipe de campo.",),
            tasks=("Medição de pressão no ramal",),
            resolutions=(
                "{greeting}, a válvula redutora do setor foi ajustada e a pressão voltou ao "
                "normal.",
            ),
        ),
    ),
)

VAZAMENTOS = TopicSpec(
    code="vazamentos",
    name="Vazamentos e esgoto",
    description="Vazamentos na rede, no cavalete ou no hidrômetro; esgoto entupido.",
    subjects=(
        S(
            code="vazamento-rua",
            name="Vazamento na rua ou calçada",
            case_type=T.FAULT_REPORT,
            weight=6,
            path="l2",
            urgency=(3, 45, 42, 10),
            titles=(
                "Vazamento de água na {rua}",
                "Cano estourado na calçada - {bairro}",
                "Água minando no asfalto na {rua}, {numero}",
            ),
            descriptions=(
                "Tem um vazamento grande na calçada em frente ao número {numero} da {rua}. "
                "A água está descendo pela rua.",
                "Estourou um cano na esquina da {rua}, está jorrando água e alagando a via.",
                "Há dias a água mina do asfalto no {bairro}, já abriu um buraco.",
            ),
            notes=(
                "Ordem de serviço {os} aberta para a equipe de manutenção de redes.",
                "Vazamento em rede de 100 mm; necessária interrupção do abastecimento.",
            ),
            tasks=("Reparo de rede - {os}", "Recomposição de calçada/asfalto"),
            resolutions=(
                "{greeting}, o vazamento na {rua} foi reparado. A recomposição do asfalto "
                "será feita em até 10 dias.",
            ),
        ),
        S(
            code="vazamento-cavalete",
            name="Vazamento no cavalete ou hidrômetro",
            case_type=T.FAULT_REPORT,
            weight=3,
            path="l2",
            urgency=(10, 70, 20, 0),
            titles=("Vazamento no hidrômetro", "Cavalete vazando na {rua}, {numero}"),
            descriptions=(
                "O hidrômetro {hidrometro} está vazando pela conexão, está molhando a calçada.",
                "Tem água pingando sem parar no cavalete da minha casa.",
            ),
            notes=("Agendada troca da conexão do cavalete.",),
            tasks=("Troca de conexão do cavalete - {os}",),
            resolutions=("{greeting}, o vazamento no cavalete foi corrigido.",),
        ),
        S(
            code="esgoto",
            name="Esgoto entupido ou retornando",
            case_type=T.FAULT_REPORT,
            weight=3,
            path="l2",
            urgency=(2, 40, 43, 15),
            titles=("Esgoto retornando dentro de casa", "Poço de visita transbordando na {rua}"),
            descriptions=(
                "O esgoto está voltando pelo ralo do banheiro, a casa está com mau cheiro.",
                "A tampa do poço de visita na {rua} está transbordando esgoto na rua.",
            ),
            notes=("Equipe de desobstrução (caminhão hidrojato) acionada.",),
            tasks=("Desobstrução de rede coletora - {os}",),
            resolutions=("{greeting}, a rede de esgoto foi desobstruída.",),
        ),
    ),
)

CONTA = TopicSpec(
    code="conta",
    name="Conta e pagamento",
    description="Segunda via, conta alta, parcelamento, débito automático, certidões.",
    subjects=(
        S(
            code="segunda-via",
            name="Segunda via de conta",
            case_type=T.INFORMATION,
            weight=9,
            path="l1",
            urgency=(40, 60, 0, 0),
            titles=(
                "Segunda via da conta de {mes}",
                "Não recebi a conta deste mês",
                "Código de barras da conta",
            ),
            descriptions=(
                "Preciso da segunda via da conta de {mes}, matrícula {matricula}.",
                "A conta deste mês não chegou. Como faço para pagar?",
                "Perdi a conta, pode me mandar o código de barras por e-mail?",
            ),
            answers=(
                "{greeting}, a segunda via da conta de {mes} ({valor}) foi enviada para o seu "
                "e-mail. Também pode ser emitida no aplicativo ou no site.",
                "{greeting}, informamos a linha digitável da conta de {mes} no valor de "
                "{valor}, com vencimento no dia 10.",
            ),
        ),
        S(
            code="conta-alta",
            name="Conta com valor alto",
            case_type=T.COMPLAINT,
            weight=5,
            path="bo",
            urgency=(10, 75, 15, 0),
            titles=("Conta de {mes} muito alta", "Contestação de consumo - matrícula {matricula}"),
            descriptions=(
                "A conta de {mes} veio {valor}, sempre pago por volta de R$ 80. Não tem "
                "vazamento em casa.",
                "Meu consumo saltou para {consumo} m³ sem motivo. Quero revisão da conta.",
            ),
            asks=(
                "{greeting}, para a análise, envie por favor uma foto do hidrômetro mostrando "
                "a leitura atual.",
            ),
            notes=(
                "Histórico de consumo dos últimos 12 meses analisado: média de 12 m³.",
                "Solicitada releitura e teste de vazamento interno.",
            ),
            tasks=("Releitura do hidrômetro", "Análise de revisão de conta"),
            resolutions=(
                "{greeting}, após a releitura constatamos erro de leitura. A conta foi "
                "refaturada pela média e a diferença será creditada na próxima fatura.",
                "{greeting}, a leitura foi confirmada e o teste indicou vazamento interno no "
                "imóvel. Concedemos desconto de 50% sobre o excedente, conforme regulamento.",
            ),
        ),
        S(
            code="parcelamento",
            name="Parcelamento de débitos",
            case_type=T.SERVICE_ACTIVATION,
            weight=3,
            path="bo",
            urgency=(15, 70, 15, 0),
            titles=(
                "Parcelamento de contas atrasadas",
                "Negociação de débito - matrícula {matricula}",
            ),
            descriptions=(
                "Tenho três contas atrasadas e quero parcelar antes do corte.",
                "Recebi aviso de corte, é possível negociar o débito de {valor}?",
            ),
            notes=("Simulado parcelamento em 6 vezes sem entrada mínima.",),
            tasks=("Emissão do termo de parcelamento",),
            resolutions=(
                "{greeting}, o parcelamento foi efetivado em 6 parcelas, que virão nas "
                "próximas contas.",
            ),
        ),
        S(
            code="debito-automatico",
            name="Débito automático e conta por e-mail",
            case_type=T.SERVICE_CHANGE,
            weight=2,
            path="l1",
            urgency=(60, 40, 0, 0),
            titles=("Cadastro em débito automático", "Receber a conta por e-mail"),
            descriptions=(
                "Quero colocar a conta de água no débito automático do meu banco.",
                "Gostaria de receber a conta só por e-mail, sem papel.",
            ),
            answers=(
                "{greeting}, para o débito automático informe ao seu banco o código de "
                "identificação {matricula}.",
                "{greeting}, o cadastro da conta digital foi feito. A partir do próximo mês a "
                "conta chegará por e-mail.",
            ),
        ),
        S(
            code="certidao",
            name="Certidão negativa de débitos",
            case_type=T.INFORMATION,
            weight=1,
            path="bo",
            urgency=(40, 60, 0, 0),
            titles=("Certidão negativa de débitos para venda do imóvel",),
            descriptions=("Estou vendendo o imóvel e preciso da certidão negativa de débitos.",),
            notes=("Conferido: não há débitos em aberto na matrícula.",),
            resolutions=("{greeting}, a certidão negativa de débitos foi enviada por e-mail.",),
        ),
    ),
)

LIGACOES = TopicSpec(
    code="ligacoes",
    name="Ligações e cadastro",
    description="Ligação nova, religação, desligamento, troca de titularidade.",
    subjects=(
        S(
            code="ligacao-nova",
            name="Ligação nova de água",
            case_type=T.SERVICE_ACTIVATION,
            weight=2,
            path="bo",
            urgency=(20, 75, 5, 0),
            titles=("Pedido de ligação nova de água", "Ligação de água para imóvel novo"),
            descriptions=(
                "Construí uma casa na {rua}, {numero}, e preciso da ligação de água e esgoto.",
                "Quais documentos preciso para pedir uma ligação nova?",
            ),
            asks=(
                "{greeting}, envie por favor a escritura ou contrato de compra, o IPTU e o "
                "documento com CPF do proprietário.",
            ),
            notes=("Documentação conferida; vistoria de viabilidade agendada.",),
            tasks=("Vistoria de viabilidade", "Execução da ligação - {os}"),
            resolutions=(
                "{greeting}, a ligação foi executada e o hidrômetro {hidrometro} instalado.",
            ),
        ),
        S(
            code="religacao",
            name="Religação",
            case_type=T.SERVICE_ACTIVATION,
            weight=4,
            path="l2",
            urgency=(0, 50, 45, 5),
            titles=("Religação após pagamento", "Pedido de religação urgente"),
            descriptions=(
                "Paguei as contas atrasadas hoje de manhã, quando religam a minha água?",
                "Cortaram a água por engano, a conta estava paga.",
            ),
            notes=("Pagamento confirmado pelo banco; ordem de religação emitida.",),
            tasks=("Religação - {os}",),
            resolutions=(
                "{greeting}, a religação foi executada. O prazo regulatório é de {prazo}.",
            ),
        ),
        S(
            code="desligamento",
            name="Desligamento a pedido",
            case_type=T.SERVICE_CANCELLATION,
            weight=1.5,
            path="bo",
            urgency=(45, 55, 0, 0),
            titles=("Desligamento da ligação de água", "Encerramento de matrícula"),
            descriptions=(
                "Vou me mudar e quero desligar a água do imóvel da {rua}, {numero}.",
                "O imóvel foi demolido, peço a retirada do hidrômetro.",
            ),
            notes=("Leitura final agendada.",),
            tasks=("Leitura final e retirada do hidrômetro - {os}",),
            resolutions=("{greeting}, o desligamento foi realizado e a conta final será emitida.",),
        ),
        S(
            code="troca-titularidade",
            name="Troca de titularidade",
            case_type=T.SERVICE_CHANGE,
            weight=2,
            path="bo",
            urgency=(40, 60, 0, 0),
            titles=("Troca de titularidade da conta", "Alterar o nome na conta de água"),
            descriptions=(
                "Comprei o imóvel e quero passar a conta para o meu nome.",
                "Sou inquilino, a conta ainda está no nome do antigo morador.",
            ),
            asks=("{greeting}, envie o contrato de compra ou de locação e um documento com CPF.",),
            notes=("Documentos validados; cadastro atualizado.",),
            tasks=("Atualização cadastral",),
            resolutions=("{greeting}, a titularidade foi alterada a partir da próxima conta.",),
        ),
    ),
)

QUALIDADE = TopicSpec(
    code="qualidade",
    name="Qualidade da água",
    description="Água turva, com cor, cheiro ou gosto.",
    subjects=(
        S(
            code="agua-turva",
            name="Água turva ou com cor",
            case_type=T.FAULT_REPORT,
            weight=3,
            path="l2",
            urgency=(5, 60, 30, 5),
            titles=("Água saindo barrenta na torneira", "Água amarelada no {bairro}"),
            descriptions=(
                "A água está saindo marrom desde hoje cedo na {rua}.",
                "A água está amarelada e com resíduos, dá para beber?",
            ),
            notes=("Coleta de amostra para o laboratório; descarga de rede programada.",),
            tasks=("Coleta de amostra para análise", "Descarga de rede"),
            resolutions=(
                "{greeting}, foi realizada a descarga na rede e a análise confirmou que a água "
                "está dentro dos padrões de potabilidade.",
            ),
        ),
        S(
            code="cheiro-gosto",
            name="Cheiro ou gosto estranho",
            case_type=T.FAULT_REPORT,
            weight=1.5,
            path="l2",
            urgency=(10, 65, 25, 0),
            titles=("Água com cheiro de cloro forte", "Água com gosto estranho"),
            descriptions=(
                "A água está com cheiro muito forte de cloro.",
                "A água da torneira está com gosto de terra.",
            ),
            notes=("Laboratório informado; amostra coletada no ponto.",),
            tasks=("Análise laboratorial",),
            resolutions=("{greeting}, a análise confirmou a potabilidade da água.",),
        ),
    ),
)

LEITURA = TopicSpec(
    code="leitura",
    name="Leitura e consumo",
    description="Leituras, revisão de consumo, hidrômetro.",
    subjects=(
        S(
            code="leitura-errada",
            name="Leitura incorreta",
            case_type=T.COMPLAINT,
            weight=3,
            path="bo",
            urgency=(20, 75, 5, 0),
            titles=("Leitura errada na conta de {mes}", "Leiturista não passou - conta pela média"),
            descriptions=(
                "A leitura na conta não bate com o que aparece no hidrômetro {hidrometro}.",
                "O leiturista não consegue entrar e a conta vem sempre pela média.",
            ),
            notes=("Solicitada releitura; foto do hidrômetro anexada ao cadastro.",),
            tasks=("Releitura do hidrômetro",),
            resolutions=("{greeting}, a leitura foi corrigida e a conta refaturada.",),
        ),
        S(
            code="troca-hidrometro",
            name="Troca ou aferição de hidrômetro",
            case_type=T.INTERVENTION_REQUEST,
            weight=2,
            path="l2",
            urgency=(30, 65, 5, 0),
            titles=("Hidrômetro parado", "Pedido de aferição do hidrômetro"),
            descriptions=(
                "O hidrômetro {hidrometro} está parado, o ponteiro não gira.",
                "Quero a aferição do hidrômetro, acho que está marcando a mais.",
            ),
            notes=("Troca de hidrômetro programada.",),
            tasks=("Troca do hidrômetro - {os}",),
            resolutions=("{greeting}, o hidrômetro foi substituído.",),
        ),
        S(
            code="consumo-info",
            name="Informação sobre consumo e tarifa",
            case_type=T.INFORMATION,
            weight=3,
            path="l1",
            urgency=(60, 40, 0, 0),
            titles=("Como é calculada a tarifa", "Tarifa social"),
            descriptions=(
                "Como é calculado o valor do esgoto na conta?",
                "Tenho direito à tarifa social? Estou no CadÚnico.",
            ),
            answers=(
                "{greeting}, o esgoto corresponde a 80% do valor da água, conforme a "
                "estrutura tarifária aprovada pela agência reguladora.",
                "{greeting}, com inscrição no CadÚnico o(a) senhor(a) pode pedir a tarifa "
                "social em qualquer agência, levando o NIS e a última conta.",
            ),
        ),
    ),
)

OUVIDORIA = TopicSpec(
    code="ouvidoria",
    name="Ouvidoria e reclamações",
    description="Reclamações sobre o atendimento, manifestações à ouvidoria, andamento.",
    subjects=(
        S(
            code="reclamacao-atendimento",
            name="Reclamação sobre o atendimento",
            case_type=T.COMPLAINT,
            weight=1.5,
            path="sup",
            urgency=(10, 55, 35, 0),
            titles=("Reclamação: demora no atendimento", "Reclamação sobre a equipe de campo"),
            descriptions=(
                "Fiquei 40 minutos esperando na linha e a ligação caiu.",
                "A equipe quebrou a calçada para o reparo e deixou tudo aberto.",
            ),
            notes=("Supervisão analisou as gravações e o histórico do cliente.",),
            tasks=("Análise da reclamação",),
            resolutions=(
                "{greeting}, lamentamos o ocorrido. A reclamação foi analisada e as medidas "
                "corretivas foram adotadas.",
            ),
        ),
        S(
            code="ouvidoria",
            name="Manifestação à ouvidoria",
            case_type=T.COMPLAINT,
            weight=1.5,
            path="sup",
            urgency=(0, 40, 55, 5),
            titles=("Vou registrar no Procon", "Manifestação à ouvidoria - protocolo sem solução"),
            descriptions=(
                "Já abri três protocolos e ninguém resolveu. Se não resolverem vou ao Procon "
                "e à agência reguladora.",
                "Recorro à ouvidoria porque o atendimento não solucionou meu problema.",
            ),
            notes=(
                "Risco de reclamação na agência reguladora: tratar com prioridade.",
                "Ouvidoria solicitou parecer da área técnica em 5 dias úteis.",
            ),
            tasks=("Parecer da área técnica", "Resposta da ouvidoria"),
            resolutions=(
                "{greeting}, a ouvidoria analisou sua manifestação e o problema foi "
                "solucionado. Agradecemos o contato.",
            ),
        ),
        S(
            code="andamento",
            name="Andamento de protocolo",
            case_type=T.STATUS_ENQUIRY,
            weight=3,
            path="l1",
            urgency=(35, 65, 0, 0),
            titles=("Andamento da minha solicitação", "Consulta de protocolo"),
            descriptions=(
                "Quero saber o andamento do pedido que fiz semana passada.",
                "Abri um chamado e ninguém apareceu ainda.",
            ),
            answers=(
                "{greeting}, a sua solicitação está com a equipe responsável, com previsão de "
                "atendimento em {prazo}.",
            ),
        ),
    ),
)

TEXTS = Texts(
    ack=(
        "{greeting}, recebemos a sua solicitação, registrada sob o protocolo {protocol}. "
        "Acompanhe pelo site ou pelo aplicativo.",
        "{greeting}, o seu número de protocolo é {protocol}. Em breve retornaremos.",
    ),
    registered=(
        "{greeting}, sua solicitação foi registrada sob o protocolo {protocol} e encaminhada "
        "à área responsável, com prazo de {prazo}.",
        "{greeting}, confirmamos o protocolo {protocol}; a ordem de serviço já foi gerada e "
        "avisaremos quando for concluída.",
    ),
    escalate_l2=(
        "Necessária vistoria de campo: encaminhado para o N2.",
        "Não resolvido no primeiro nível, encaminho para a operação de campo.",
    ),
    escalate_bo=(
        "Encaminhado ao BKO para análise.",
        "Necessária análise do faturamento/cadastro: transferido ao BKO.",
    ),
    asks=(
        "{greeting}, para dar andamento precisamos de um ponto de referência e um telefone "
        "para contato.",
        "{greeting}, poderia nos enviar uma foto do local ou do hidrômetro?",
    ),
    customer_replies=(
        "Segue a foto. O ponto de referência é ao lado da padaria.",
        "Meu telefone é o mesmo do cadastro. Obrigado(a).",
        "Enviei os documentos solicitados.",
    ),
    third_party=(
        "Aguardando empresa terceirizada de pavimentação ({os}).",
        "Aguardando liberação da prefeitura para abertura de vala ({os}).",
    ),
    thanks=(
        "Obrigado(a), já está tudo normal.",
        "Resolvido, muito obrigado!",
        "Agradeço a agilidade.",
    ),
    reopen=(
        "O problema voltou a acontecer, estou sem água de novo.",
        "O reparo não resolveu, continua vazando.",
    ),
    reopen_note=("Cliente informa reincidência: protocolo reaberto.",),
    urgency_note=(
        "Risco à saúde/segurança relatado: urgência elevada.",
        "Imóvel com pessoa acamada: prioridade aumentada.",
    ),
    emergency_note=(
        "Plantão 24h acionado: equipe no local em até 2 horas.",
        "Emergência assumida pela supervisão; Defesa Civil informada.",
    ),
    complaint_note=(
        "Reclamação assumida pela supervisão; resposta em até 10 dias úteis.",
        "Cliente mencionou Procon/agência reguladora: prioridade máxima.",
    ),
    reminder_titles=("Reiteração do protocolo {ref}", "Cobrança de retorno: {ref_title}"),
    reminder_descriptions=(
        "Volto a entrar em contato sobre o protocolo {ref}. Até agora nada foi resolvido.",
        "Já faz dias que abri o protocolo {ref} e ninguém veio.",
    ),
    reminder_answers=(
        "{greeting}, o protocolo {ref} está em atendimento pela equipe responsável; "
        "reforçamos a prioridade.",
    ),
    reminder_note=("Cliente reiterou a solicitação pelo protocolo {reminder}.",),
    enquiry_titles=("Andamento do protocolo {ref}", "Consulta ao protocolo {ref}"),
    enquiry_descriptions=("Gostaria de saber o andamento do protocolo {ref}.",),
    enquiry_answers=("{greeting}, o protocolo {ref} está em andamento; previsão de {prazo}.",),
    generic_resolutions=("{greeting}, a sua solicitação foi atendida. Obrigado pelo contato.",),
    generic_answers=("{greeting}, seguem as informações solicitadas.",),
    anonymous_greeting="Prezado(a) cliente",
)

AGUAS = TenantSpec(
    slug="aguas-do-vale",
    name="Águas do Vale",
    country="BR",
    language="pt-br",
    time_zone="America/Sao_Paulo",
    prefix="AGV",
    brand_color="#0a7ea4",
    email_domain="aguasdovale.example",
    users=(
        UserSpec("ana.souza", "Ana", "Souza", Role.OPERATOR, "Atendente N1"),
        UserSpec("rafael.oliveira", "Rafael", "Oliveira", Role.OPERATOR, "Atendente N1"),
        UserSpec("juliana.santos", "Juliana", "Santos", Role.OPERATOR, "Atendente N1"),
        UserSpec("carlos.pereira", "Carlos", "Pereira", Role.BACK_OFFICE, "Técnico de campo N2"),
        UserSpec(
            "patricia.lima", "Patrícia", "Lima", Role.BACK_OFFICE, "BKO faturamento e cadastro"
        ),
        UserSpec(
            "fernanda.costa", "Fernanda", "Costa", Role.SUPERVISOR, "Supervisora de atendimento"
        ),
        UserSpec("ricardo.almeida", "Ricardo", "Almeida", Role.ADMIN, "Administrador do serviço"),
        UserSpec(
            "marcelo.ribeiro", "Marcelo", "Ribeiro", Role.CLIENT_REFERENT, "Gestor do contrato"
        ),
    ),
    segments=(
        SegmentSpec("residencial", "Residencial", "Imóveis residenciais.", 82, "person"),
        SegmentSpec("comercial", "Comercial", "Comércio, serviços e indústria.", 14, "business"),
        SegmentSpec(
            "poder-publico",
            "Poder público",
            "Escolas, unidades de saúde e órgãos públicos, atendidos por uma linha dedicada.",
            4,
            "public",
        ),
    ),
    queues=(
        QueueSpec("atendimento-n1", "Atendimento N1", Level.L1),
        QueueSpec(
            "linha-poder-publico",
            "Linha dedicada poder público (N1)",
            Level.L1,
            segment="poder-publico",
        ),
        QueueSpec(
            "atendimento-comercial", "Atendimento comercial (N1)", Level.L1, segment="comercial"
        ),
        QueueSpec(
            "campo-n2",
            "Operação de campo (N2)",
            Level.L2,
            topics=("abastecimento", "vazamentos", "qualidade"),
        ),
        QueueSpec("bko-faturamento", "BKO faturamento", Level.BO, topics=("conta", "leitura")),
        QueueSpec("bko-ligacoes", "BKO ligações e cadastro", Level.BO, topics=("ligacoes",)),
        QueueSpec("ouvidoria", "Ouvidoria", Level.BO, topics=("ouvidoria",)),
    ),
    topics=(ABASTECIMENTO, VAZAMENTOS, CONTA, LIGACOES, QUALIDADE, LEITURA, OUVIDORIA),
    channels={
        "phone": 45,
        "email": 9,
        "fax": 1,
        "web": 10,
        "chat": 14,
        "counter": 8,
        "callback": 5,
        "voicemail": 4,
        "api": 3,
    },
    texts=TEXTS,
    placeholders=placeholders,
    bursts=(
        ReportBurst(
            subject="falta-agua",
            days_ago=23,
            share=0.05,
            place={"bairro": "Jardim Primavera"},
            resolution="{greeting}, o rompimento da adutora que abastece o {bairro} foi "
            "reparado e o abastecimento está normalizado.",
        ),
    ),
)
