"""Demo tenant 1: the citizens' help desk of an Italian municipality (Comune di Valdoria).

Topics follow what Italian municipal URP/contact-center contracts list (street lighting with
pole codes, waste collection, registry office, local taxes/TARI, roads, social services),
with phone, PEC, fax, e-mail, web, chat, counter, call-back and voicemail channels.
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

STREETS = (
    "via Roma",
    "via Garibaldi",
    "corso Mazzini",
    "piazza della Libertà",
    "via dei Mille",
    "viale Matteotti",
    "via Cavour",
    "via San Francesco",
    "via delle Industrie",
    "via Verdi",
    "via Aldo Moro",
    "via Bologna",
    "via del Lavoro",
    "viale della Repubblica",
    "via Pascoli",
    "via Carducci",
    "via Mameli",
    "via Ariosto",
    "via dei Tigli",
    "via Don Minzoni",
    "via Gramsci",
    "largo Castello",
    "via Ponte Rosso",
    "via Canale Bianco",
    "via XX Settembre",
)
ZONES = (
    "centro storico",
    "Borgo Sant'Anna",
    "Case Nuove",
    "Ponte Rosso",
    "Villanova",
    "quartiere Stadio",
    "zona artigianale Est",
    "San Martino di Valdoria",
    "quartiere Giardino",
)
SCHOOLS = (
    "scuola primaria G. Rodari",
    "scuola dell'infanzia Arcobaleno",
    "scuola media D. Alighieri",
    "scuola primaria di Villanova",
)


def placeholders(rng: Random, at: datetime) -> dict[str, str]:
    appointment = at + timedelta(days=rng.randint(3, 18))
    return {
        "via": rng.choice(STREETS),
        "civico": str(rng.randint(1, 180)),
        "palo": f"IP-{rng.randint(100, 4800):05d}",
        "zona": rng.choice(ZONES),
        "importo": f"{rng.randint(90, 780)},{rng.choice(('00', '50', '20', '80', '36'))}",
        "anno": str(at.year - 1),
        "odl": f"ODL {at.year}/{rng.randint(120, 2400)}",
        "mq": str(rng.choice((45, 60, 72, 85, 95, 110, 130))),
        "componenti": str(rng.randint(1, 5)),
        "scuola": rng.choice(SCHOOLS),
        "data": appointment.strftime("%d/%m"),
        "ora": rng.choice(("8:30", "9:15", "10:00", "11:30", "15:00", "16:20")),
    }


S = SubjectSpec

ILLUMINAZIONE = TopicSpec(
    code="illuminazione",
    name="Illuminazione pubblica",
    description="Guasti ai punti luce, pali danneggiati, nuovi impianti. Ogni palo ha un codice "
    "sulla targhetta (e un QR code) che identifica il punto luce.",
    subjects=(
        S(
            code="lampione-spento",
            name="Lampione spento",
            case_type=T.FAULT_REPORT,
            weight=9,
            path="l2",
            third_party=True,
            titles=(
                "Lampione spento in {via} {civico}",
                "Punto luce {palo} spento",
                "Illuminazione assente in {via}",
                "Lampioni spenti da giorni in {via}, zona {zona}",
            ),
            descriptions=(
                "Segnalo che il lampione davanti al civico {civico} di {via} è spento da tre "
                "sere. Il codice sulla targhetta del palo è {palo}.",
                "Il lampione {palo} si accende e si spegne di continuo, poi resta spento tutta "
                "la notte.",
                "Buonasera, da quando hanno fatto i lavori sull'asfalto l'illuminazione in "
                "{via} non funziona più.",
                "In {via}, zona {zona}, sono spenti due lampioni consecutivi. La strada di sera "
                "è completamente al buio e ci passano bambini e anziani.",
            ),
            notes=(
                "Verificato sul geoportale: il punto luce {palo} risulta su linea con altri 6 "
                "lampioni, probabile guasto al quadro.",
                "Sopralluogo eseguito: lampada a scarica esaurita, da sostituire con LED.",
                "Guasto sulla linea di alimentazione, serve intervento con cestello.",
            ),
            tasks=(
                "Sopralluogo sul punto luce {palo}",
                "Ordine di lavoro {odl} alla ditta di manutenzione",
                "Verifica funzionamento notturno",
            ),
            resolutions=(
                "{greeting}, le comunichiamo che il punto luce segnalato in {via} è stato "
                "riparato dalla ditta di manutenzione. La ringraziamo per la collaborazione.",
                "{greeting}, l'intervento sul lampione {palo} è stato eseguito: è stata "
                "sostituita la lampada. Se il problema si ripresenta può citare il protocollo "
                "{protocol}.",
            ),
        ),
        S(
            code="guasto-palo",
            name="Palo danneggiato o pericolante",
            case_type=T.FAULT_REPORT,
            weight=3,
            path="l2",
            third_party=True,
            urgency=(2, 30, 43, 25),
            titles=(
                "Palo {palo} urtato e piegato in {via}",
                "Sportello del palo aperto con fili scoperti in {via}",
                "Palo della luce pericolante in zona {zona}",
            ),
            descriptions=(
                "Il palo dell'illuminazione {palo} in {via} è piegato, sembra che lo abbia "
                "urtato un camion. Rischia di cadere sul marciapiede.",
                "In {via} {civico} lo sportellino alla base del palo è aperto e si vedono i "
                "fili elettrici. Ci sono bambini che giocano lì vicino.",
                "Dopo il temporale il palo della luce in zona {zona} è inclinato verso la strada.",
            ),
            notes=(
                "Pericolo per la pubblica incolumità: attivata la reperibilità della ditta, "
                "area da transennare.",
                "Polizia locale informata per la messa in sicurezza dell'area.",
                "Palo messo in sicurezza; sostituzione programmata.",
            ),
            tasks=(
                "Messa in sicurezza dell'area",
                "Sostituzione del palo {palo}",
                "Verifica impianto elettrico",
            ),
            resolutions=(
                "{greeting}, il palo segnalato in {via} è stato messo in sicurezza e "
                "sostituito. Grazie per la segnalazione.",
            ),
        ),
        S(
            code="acceso-di-giorno",
            name="Lampione acceso di giorno",
            case_type=T.FAULT_REPORT,
            weight=1.5,
            path="l2",
            third_party=True,
            urgency=(55, 43, 2, 0),
            titles=("Lampioni accesi di giorno in {via}", "Punto luce {palo} sempre acceso"),
            descriptions=(
                "I lampioni di {via} restano accesi anche di giorno, è uno spreco.",
                "Il lampione con codice {palo} è acceso 24 ore su 24 da una settimana.",
            ),
            notes=("Probabile guasto al crepuscolare del quadro di zona {zona}.",),
            tasks=("Sostituzione interruttore crepuscolare",),
            resolutions=(
                "{greeting}, è stato sostituito il sensore crepuscolare: i lampioni ora si "
                "accendono solo di sera.",
            ),
        ),
        S(
            code="nuovo-punto-luce",
            name="Richiesta nuovo punto luce",
            case_type=T.INTERVENTION_REQUEST,
            weight=1,
            path="l2",
            urgency=(60, 38, 2, 0),
            titles=(
                "Richiesta di un nuovo lampione in {via}",
                "Parcheggio della {scuola} senza illuminazione",
            ),
            descriptions=(
                "Chiedo l'installazione di un lampione nel tratto finale di {via}, dopo il "
                "civico {civico}: di sera è buio e pericoloso.",
                "Il parcheggio vicino alla {scuola} non ha illuminazione. Si può valutare un "
                "nuovo punto luce?",
            ),
            notes=(
                "Richiesta inserita nel piano degli interventi; serve valutazione dell'ufficio "
                "tecnico sulla fattibilità.",
            ),
            tasks=("Valutazione tecnica di fattibilità", "Inserimento nel piano opere"),
            resolutions=(
                "{greeting}, la richiesta è stata valutata positivamente ed è stata inserita "
                "nella programmazione dei lavori del prossimo anno.",
                "{greeting}, purtroppo il tratto indicato è una strada privata: l'impianto "
                "non può essere realizzato dal Comune.",
            ),
        ),
    ),
)

RIFIUTI = TopicSpec(
    code="rifiuti",
    name="Rifiuti e igiene urbana",
    description="Raccolta porta a porta, ingombranti, abbandoni, calendari e contenitori.",
    subjects=(
        S(
            code="mancata-raccolta",
            name="Mancata raccolta porta a porta",
            case_type=T.FAULT_REPORT,
            weight=6,
            path="l2",
            third_party=True,
            urgency=(20, 70, 10, 0),
            titles=(
                "Mancata raccolta dell'organico in {via}",
                "Non è passato il camion della carta in {via} {civico}",
                "Indifferenziato non ritirato, zona {zona}",
            ),
            descriptions=(
                "Stamattina non hanno ritirato l'organico in {via}. I mastelli sono ancora "
                "tutti fuori.",
                "È la seconda settimana che non passano a ritirare la carta al civico "
                "{civico} di {via}.",
                "In zona {zona} la raccolta dell'indifferenziato è saltata, cosa dobbiamo fare?",
            ),
            notes=("Segnalato al gestore della raccolta con richiesta di recupero entro 48 ore.",),
            tasks=("Richiesta di recupero al gestore della raccolta",),
            resolutions=(
                "{greeting}, il gestore ci conferma che il ritiro è stato recuperato. Ci "
                "scusiamo per il disagio.",
            ),
        ),
        S(
            code="ingombranti",
            name="Ritiro ingombranti a domicilio",
            case_type=T.SERVICE_ACTIVATION,
            weight=4,
            path="l1",
            urgency=(40, 60, 0, 0),
            titles=("Prenotazione ritiro ingombranti", "Smaltimento di frigorifero e lavatrice"),
            descriptions=(
                "Vorrei prenotare il ritiro gratuito di un divano e una rete del letto in "
                "{via} {civico}.",
                "Devo smaltire un frigorifero vecchio e una lavatrice. Come posso fare?",
            ),
            answers=(
                "{greeting}, abbiamo prenotato il ritiro per il giorno {data}: lasci gli "
                "oggetti a bordo strada entro le 6 del mattino.",
                "{greeting}, il ritiro è fissato per il {data}. Ricordiamo che gli "
                "elettrodomestici si possono anche portare gratuitamente all'isola ecologica.",
            ),
        ),
        S(
            code="abbandono-rifiuti",
            name="Abbandono di rifiuti",
            case_type=T.INTERVENTION_REQUEST,
            weight=3,
            path="l2",
            third_party=True,
            titles=(
                "Rifiuti abbandonati in {via}",
                "Discarica abusiva vicino al canale in zona {zona}",
            ),
            descriptions=(
                "Qualcuno ha abbandonato sacchi e un materasso accanto ai cassonetti di {via}.",
                "Vicino al canale, in zona {zona}, ci sono da giorni rifiuti edili e pneumatici.",
            ),
            notes=("Inviata la polizia locale per accertamenti; rimozione chiesta al gestore.",),
            tasks=("Sopralluogo della polizia locale", "Rimozione rifiuti abbandonati"),
            resolutions=("{greeting}, i rifiuti segnalati sono stati rimossi. Grazie.",),
        ),
        S(
            code="calendario-raccolta",
            name="Calendario e orari della raccolta",
            case_type=T.INFORMATION,
            weight=4,
            path="l1",
            urgency=(45, 55, 0, 0),
            titles=(
                "Calendario raccolta differenziata",
                "Orari dell'isola ecologica",
                "Dove conferire l'olio da cucina usato",
            ),
            descriptions=(
                "In che giorni passa la raccolta della plastica in {via}?",
                "Quali sono gli orari dell'isola ecologica il sabato?",
                "Dove butto l'olio da cucina usato?",
            ),
            answers=(
                "{greeting}, in zona {zona} la plastica si ritira il martedì e il venerdì; "
                "il calendario completo è sul sito del Comune.",
                "{greeting}, l'isola ecologica è aperta il sabato dalle 8:30 alle 12:30 e dalle "
                "14:30 alle 17:30.",
                "{greeting}, l'olio vegetale usato va conferito nelle apposite taniche presso "
                "l'isola ecologica.",
            ),
        ),
        S(
            code="contenitori",
            name="Consegna o sostituzione contenitori",
            case_type=T.SERVICE_CHANGE,
            weight=2,
            path="bo",
            urgency=(35, 65, 0, 0),
            titles=(
                "Mastello dell'organico rotto",
                "Richiesta nuovi contenitori per la differenziata",
            ),
            descriptions=(
                "Il mastello marrone si è rotto, il coperchio non si chiude più. Posso averne "
                "uno nuovo?",
                "Mi sono trasferito in {via} {civico} e non ho i contenitori per la raccolta.",
            ),
            notes=("Richiesta passata all'ufficio ambiente per la consegna a domicilio.",),
            tasks=("Consegna del contenitore a domicilio",),
            resolutions=("{greeting}, il nuovo contenitore le verrà consegnato il {data}.",),
        ),
    ),
)

ANAGRAFE = TopicSpec(
    code="anagrafe",
    name="Anagrafe e stato civile",
    description="Carta d'identità, certificati, residenza.",
    subjects=(
        S(
            code="carta-identita",
            name="Carta d'identità elettronica",
            case_type=T.SERVICE_ACTIVATION,
            weight=6,
            path="l1",
            urgency=(25, 70, 5, 0),
            titles=(
                "Appuntamento per la carta d'identità elettronica",
                "Carta d'identità scaduta, urgente per viaggio",
                "Rinnovo CIE per minore",
            ),
            descriptions=(
                "Vorrei prenotare un appuntamento per il rinnovo della carta d'identità, mi "
                "scade il mese prossimo.",
                "Ho la carta d'identità scaduta e devo partire tra dieci giorni. C'è un "
                "appuntamento prima?",
                "Devo fare la carta d'identità a mio figlio di 8 anni, cosa serve?",
            ),
            answers=(
                "{greeting}, le abbiamo fissato l'appuntamento all'anagrafe il {data} alle ore "
                "{ora}. Porti una fototessera recente e la vecchia carta.",
                "{greeting}, si è liberato un posto il {data} alle {ora}: per l'espatrio la CIE "
                "viene consegnata in circa 6 giorni lavorativi.",
                "{greeting}, per il minore servono la presenza di entrambi i genitori, una "
                "fototessera e la tessera sanitaria. Appuntamento fissato il {data} alle {ora}.",
            ),
        ),
        S(
            code="certificati",
            name="Certificati anagrafici",
            case_type=T.INFORMATION,
            weight=4,
            path="l1",
            urgency=(45, 55, 0, 0),
            titles=("Certificato di residenza", "Certificato di stato di famiglia"),
            descriptions=(
                "Come posso avere un certificato di residenza? Mi serve per la banca.",
                "Mi serve uno stato di famiglia, si può scaricare online?",
            ),
            answers=(
                "{greeting}, i certificati anagrafici si scaricano gratis dall'ANPR con SPID o "
                "CIE; in alternativa allo sportello senza appuntamento.",
            ),
        ),
        S(
            code="cambio-residenza",
            name="Cambio di residenza",
            case_type=T.SERVICE_CHANGE,
            weight=3,
            path="bo",
            urgency=(20, 75, 5, 0),
            titles=(
                "Dichiarazione di cambio di residenza",
                "Pratica di residenza ferma da un mese",
            ),
            descriptions=(
                "Mi sono trasferito in {via} {civico} e devo fare il cambio di residenza.",
                "Ho inviato la dichiarazione di residenza un mese fa ma non ho ricevuto "
                "notizie. Il vigile non è ancora passato.",
            ),
            asks=(
                "{greeting}, per completare la pratica ci serve copia del contratto di "
                "affitto o del titolo di proprietà dell'immobile.",
            ),
            notes=("Pratica verificata in anagrafe: accertamento della polizia locale da fare.",),
            tasks=("Accertamento della polizia locale", "Registrazione in ANPR"),
            resolutions=(
                "{greeting}, il cambio di residenza è stato registrato; i dati sono già "
                "aggiornati in ANPR.",
            ),
        ),
    ),
)

TRIBUTI = TopicSpec(
    code="tributi",
    name="Tributi (TARI, IMU)",
    description="Tassa rifiuti, IMU, avvisi, rimborsi e rateizzazioni.",
    subjects=(
        S(
            code="tari-avviso",
            name="TARI: avviso di pagamento",
            case_type=T.INFORMATION,
            weight=6,
            path="l1",
            urgency=(30, 68, 2, 0),
            titles=(
                "Avviso TARI {anno} non ricevuto",
                "Chiarimenti sull'avviso TARI",
                "Scadenze TARI",
            ),
            descriptions=(
                "Non ho ricevuto l'avviso di pagamento della TARI. Come posso pagarla?",
                "Nell'avviso TARI risulta un importo di {importo} euro, mi sembra alto "
                "rispetto all'anno scorso.",
                "Quando scade la seconda rata della TARI? Posso pagare con PagoPA?",
            ),
            answers=(
                "{greeting}, l'avviso è stato inviato all'indirizzo di residenza; le abbiamo "
                "rimandato il modello PagoPA per e-mail. La scadenza è il 16 del mese prossimo.",
                "{greeting}, l'importo dipende dalla superficie ({mq} mq) e dal numero dei "
                "componenti ({componenti}); le tariffe sono state aggiornate con delibera del "
                "Consiglio comunale.",
            ),
        ),
        S(
            code="tari-variazione",
            name="TARI: variazione superficie o occupanti",
            case_type=T.SERVICE_CHANGE,
            weight=3,
            path="bo",
            urgency=(30, 70, 0, 0),
            titles=("Variazione dei componenti per la TARI", "Superficie TARI errata"),
            descriptions=(
                "Mio figlio è andato a vivere fuori: in casa siamo rimasti in {componenti}. "
                "Devo comunicarlo per la TARI?",
                "Nell'avviso la superficie è di {mq} mq ma l'appartamento è più piccolo.",
            ),
            asks=(
                "{greeting}, per la variazione ci invii la planimetria catastale e la "
                "dichiarazione firmata con copia del documento.",
            ),
            notes=("Verificata la banca dati catastale: superficie da ricalcolare.",),
            tasks=("Ricalcolo dell'avviso TARI",),
            resolutions=(
                "{greeting}, la variazione è stata registrata e l'avviso TARI è stato "
                "ricalcolato: riceverà il nuovo modello di pagamento.",
            ),
        ),
        S(
            code="tari-cessazione",
            name="TARI: cessazione utenza",
            case_type=T.SERVICE_CANCELLATION,
            weight=1.5,
            path="bo",
            urgency=(40, 60, 0, 0),
            titles=("Cessazione TARI per trasferimento", "Chiusura utenza TARI negozio"),
            descriptions=(
                "Mi sono trasferito in un altro Comune, come faccio a chiudere la TARI "
                "dell'appartamento di {via}?",
                "Ho chiuso l'attività in {via} {civico}, devo cessare la TARI.",
            ),
            notes=("Cessazione registrata con decorrenza dalla data di riconsegna delle chiavi.",),
            tasks=("Registrazione della cessazione",),
            resolutions=("{greeting}, l'utenza TARI è stata cessata.",),
        ),
        S(
            code="imu",
            name="IMU: calcolo e versamento",
            case_type=T.INFORMATION,
            weight=2,
            path="bo",
            urgency=(40, 60, 0, 0),
            titles=("Calcolo IMU seconda casa", "Errore nel versamento IMU"),
            descriptions=(
                "Come si calcola l'IMU per un appartamento affittato a canone concordato?",
                "Ho sbagliato il codice tributo nel versamento IMU di giugno, cosa devo fare?",
            ),
            notes=("Verificati i versamenti F24 dell'anno {anno}.",),
            resolutions=(
                "{greeting}, le abbiamo inviato il prospetto di calcolo; l'aliquota per il "
                "canone concordato è ridotta al 75%.",
                "{greeting}, abbiamo registrato la correzione del codice tributo: non deve "
                "rifare il versamento.",
            ),
        ),
        S(
            code="rimborso",
            name="Rimborsi e rateizzazioni",
            case_type=T.INTERVENTION_REQUEST,
            weight=1.5,
            path="bo",
            urgency=(30, 65, 5, 0),
            titles=(
                "Richiesta rimborso TARI pagata due volte",
                "Rateizzazione avviso di accertamento",
            ),
            descriptions=(
                "Ho pagato due volte la rata TARI di {importo} euro, chiedo il rimborso.",
                "Ho ricevuto un avviso di accertamento di {importo} euro, posso rateizzarlo?",
            ),
            asks=("{greeting}, ci invii per favore le ricevute dei versamenti e l'IBAN.",),
            notes=("Rimborso istruito; da approvare con determina del dirigente.",),
            tasks=("Istruttoria del rimborso", "Determina di rimborso"),
            resolutions=(
                "{greeting}, il rimborso è stato approvato e sarà accreditato entro 30 giorni.",
                "{greeting}, la rateizzazione in 6 rate è stata concessa: le abbiamo inviato "
                "il piano di pagamento.",
            ),
        ),
    ),
)

VIABILITA = TopicSpec(
    code="viabilita",
    name="Strade e viabilità",
    description="Buche, segnaletica, semafori, alberi e verde pubblico, permessi.",
    subjects=(
        S(
            code="buca-stradale",
            name="Buca o dissesto stradale",
            case_type=T.FAULT_REPORT,
            weight=6,
            path="l2",
            third_party=True,
            urgency=(10, 55, 30, 5),
            titles=(
                "Buca pericolosa in {via}",
                "Tombino sprofondato in {via}",
                "Strade dissestate in zona {zona}",
            ),
            descriptions=(
                "In {via}, all'altezza del civico {civico}, c'è una buca profonda che ha già "
                "fatto cadere un ciclista.",
                "Il tombino in {via} è sprofondato di parecchi centimetri, le auto ci "
                "sbattono sopra.",
                "Dopo le piogge la strada in zona {zona} è piena di buche.",
            ),
            notes=(
                "Sopralluogo: buca di circa 60 cm, segnalata con cartello in attesa della ditta.",
                "Intervento inserito nel programma di asfaltatura della settimana.",
            ),
            tasks=("Sopralluogo del cantoniere", "Ordine di lavoro {odl} per ripristino asfalto"),
            resolutions=("{greeting}, la buca segnalata in {via} è stata riparata.",),
        ),
        S(
            code="segnaletica",
            name="Segnaletica danneggiata",
            case_type=T.FAULT_REPORT,
            weight=2,
            path="l2",
            urgency=(25, 60, 15, 0),
            titles=(
                "Cartello di stop abbattuto in {via}",
                "Strisce pedonali cancellate davanti alla {scuola}",
            ),
            descriptions=(
                "All'incrocio tra {via} e via Verdi il cartello di stop è a terra.",
                "Le strisce pedonali davanti alla {scuola} non si vedono quasi più.",
            ),
            notes=("Segnaletica inserita nel programma della squadra operai.",),
            tasks=("Ripristino della segnaletica",),
            resolutions=("{greeting}, la segnaletica è stata ripristinata.",),
        ),
        S(
            code="semaforo",
            name="Semaforo guasto",
            case_type=T.FAULT_REPORT,
            weight=1.5,
            path="l2",
            third_party=True,
            urgency=(0, 30, 55, 15),
            titles=(
                "Semaforo spento all'incrocio di {via}",
                "Semaforo lampeggiante in viale Matteotti",
            ),
            descriptions=(
                "Il semaforo all'incrocio con {via} è spento, c'è molto traffico e rischio di "
                "incidenti.",
                "Il semaforo pedonale davanti alla {scuola} non diventa mai verde.",
            ),
            notes=(
                "Ditta di manutenzione impianti semaforici avvisata, polizia locale sul posto.",
            ),
            tasks=("Intervento sulla centralina semaforica",),
            resolutions=("{greeting}, il semaforo è stato riparato e funziona regolarmente.",),
        ),
        S(
            code="alberi-verde",
            name="Alberi e verde pubblico",
            case_type=T.INTERVENTION_REQUEST,
            weight=3,
            path="l2",
            third_party=True,
            urgency=(25, 50, 18, 7),
            titles=(
                "Ramo pericolante in {via}",
                "Erba alta nel parco di {zona}",
                "Albero caduto sulla strada",
            ),
            descriptions=(
                "Un grosso ramo del platano davanti al civico {civico} di {via} è spezzato e "
                "sta per cadere sul marciapiede.",
                "Nel parco giochi in zona {zona} l'erba è altissima e ci sono zanzare.",
                "Con il vento è caduto un albero che blocca metà carreggiata in {via}.",
            ),
            notes=("Inviata la squadra del verde con piattaforma.",),
            tasks=("Intervento della squadra del verde",),
            resolutions=("{greeting}, l'intervento di manutenzione del verde è stato eseguito.",),
        ),
        S(
            code="passo-carrabile",
            name="Passo carrabile e permessi ZTL",
            case_type=T.SERVICE_ACTIVATION,
            weight=1.5,
            path="bo",
            urgency=(45, 55, 0, 0),
            titles=("Richiesta permesso ZTL per residenti", "Autorizzazione passo carrabile"),
            descriptions=(
                "Abito in centro storico, come richiedo il permesso ZTL per la mia auto?",
                "Vorrei aprire un passo carrabile in {via} {civico}. Quali documenti servono?",
            ),
            asks=("{greeting}, ci invii la carta di circolazione del veicolo.",),
            notes=("Pratica trasmessa all'ufficio mobilità.",),
            tasks=("Rilascio del permesso",),
            resolutions=(
                "{greeting}, il permesso è pronto: può ritirarlo allo sportello dal {data}.",
            ),
        ),
    ),
)

SOCIALI = TopicSpec(
    code="sociali",
    name="Servizi sociali e scolastici",
    description="Assistenza domiciliare, contributi, mensa e trasporto scolastico.",
    subjects=(
        S(
            code="assistenza-domiciliare",
            name="Assistenza domiciliare",
            case_type=T.SERVICE_ACTIVATION,
            weight=2,
            path="bo",
            urgency=(10, 60, 28, 2),
            titles=("Richiesta assistenza domiciliare per un anziano", "Pasti a domicilio"),
            descriptions=(
                "Mia madre ha 87 anni e vive da sola in {via}, avremmo bisogno di "
                "assistenza domiciliare.",
                "Come si attiva il servizio pasti a domicilio per mio padre?",
            ),
            notes=("Fissato il colloquio con l'assistente sociale.",),
            tasks=("Colloquio con l'assistente sociale", "Valutazione ISEE"),
            resolutions=("{greeting}, il servizio è attivo dal {data}.",),
        ),
        S(
            code="contributi",
            name="Contributi e bonus",
            case_type=T.INFORMATION,
            weight=2,
            path="bo",
            urgency=(35, 60, 5, 0),
            titles=("Contributo affitto {anno}", "Pagamento del contributo affitto"),
            descriptions=(
                "Ci sono contributi per l'affitto? Ho un ISEE basso e due figli.",
                "Ho fatto domanda per il contributo affitto, quando viene pagato?",
            ),
            resolutions=(
                "{greeting}, il bando per il contributo affitto apre il mese prossimo: le "
                "abbiamo inviato i requisiti e il modulo.",
                "{greeting}, la sua domanda è in graduatoria; il pagamento è previsto entro "
                "fine mese.",
            ),
        ),
        S(
            code="mensa-trasporto",
            name="Mensa e trasporto scolastico",
            case_type=T.SERVICE_CHANGE,
            weight=2,
            path="bo",
            urgency=(30, 65, 5, 0),
            titles=(
                "Iscrizione al trasporto scolastico",
                "Dieta speciale in mensa",
                "Disdetta del servizio mensa",
            ),
            descriptions=(
                "Vorrei iscrivere mia figlia al trasporto scolastico per la {scuola}.",
                "Mio figlio è celiaco, come chiedo la dieta speciale in mensa?",
                "Ritiriamo il bambino dal servizio mensa dal mese prossimo.",
            ),
            notes=("Pratica inoltrata all'ufficio scuola.",),
            tasks=("Aggiornamento dell'iscrizione",),
            resolutions=("{greeting}, la richiesta è stata registrata dall'ufficio scuola.",),
        ),
    ),
)

URP = TopicSpec(
    code="urp",
    name="URP e informazioni",
    description="Orari e sedi, accesso agli atti, reclami e stato delle pratiche.",
    subjects=(
        S(
            code="orari-uffici",
            name="Orari e sedi degli uffici",
            case_type=T.INFORMATION,
            weight=4,
            path="l1",
            urgency=(60, 40, 0, 0),
            titles=("Orari dell'ufficio tributi", "Dove si trova l'ufficio anagrafe"),
            descriptions=(
                "Che orari fa l'ufficio tributi il giovedì pomeriggio?",
                "L'ufficio anagrafe si è spostato? Dov'è adesso?",
            ),
            answers=(
                "{greeting}, l'ufficio tributi riceve il lunedì e il giovedì dalle 9 alle 12:30 "
                "e il giovedì pomeriggio dalle 15 alle 17.",
                "{greeting}, l'anagrafe è in piazza della Libertà 1, piano terra, aperta dal "
                "lunedì al sabato dalle 8:30 alle 12:30.",
            ),
        ),
        S(
            code="accesso-atti",
            name="Accesso agli atti",
            case_type=T.INTERVENTION_REQUEST,
            weight=1,
            path="bo",
            urgency=(30, 70, 0, 0),
            titles=("Copia della pratica edilizia", "Accesso agli atti di gara"),
            descriptions=(
                "Chiedo copia della pratica edilizia relativa all'immobile di {via} {civico}.",
                "Ai sensi della legge 241/1990 chiedo di accedere agli atti della gara per la "
                "manutenzione del verde.",
            ),
            notes=("Richiesta protocollata e trasmessa all'ufficio competente.",),
            tasks=("Ricerca in archivio", "Rilascio delle copie"),
            resolutions=("{greeting}, le copie richieste sono disponibili per il ritiro.",),
        ),
        S(
            code="reclamo",
            name="Reclamo o disservizio",
            case_type=T.COMPLAINT,
            weight=2,
            path="sup",
            urgency=(10, 55, 35, 0),
            titles=(
                "Reclamo per i tempi di attesa allo sportello",
                "Reclamo: nessuna risposta alle mie segnalazioni",
                "Reclamo per il comportamento di un operatore",
            ),
            descriptions=(
                "Ho atteso più di un'ora allo sportello anagrafe nonostante l'appuntamento.",
                "Ho fatto tre segnalazioni per lo stesso problema e nessuno mi ha mai "
                "risposto. Se non avrò risposta mi rivolgerò al Difensore civico.",
                "L'operatore al telefono è stato scortese e mi ha chiuso la chiamata.",
            ),
            notes=(
                "Sentito il responsabile dell'ufficio: verificati i tempi di attesa del giorno.",
                "Ascoltata la registrazione della chiamata; avviato un richiamo formativo.",
            ),
            tasks=("Istruttoria del reclamo", "Risposta formale entro 30 giorni"),
            resolutions=(
                "{greeting}, ci scusiamo per il disservizio. Abbiamo verificato quanto "
                "accaduto e adottato misure perché non si ripeta.",
            ),
        ),
        S(
            code="stato-pratica",
            name="Stato di una pratica",
            case_type=T.STATUS_ENQUIRY,
            weight=3,
            path="l1",
            urgency=(35, 65, 0, 0),
            titles=("Stato della mia pratica", "A che punto è la mia richiesta?"),
            descriptions=(
                "Vorrei sapere a che punto è la richiesta che ho fatto il mese scorso.",
                "Ho presentato una domanda allo sportello e non so più nulla.",
            ),
            answers=(
                "{greeting}, la pratica risulta in lavorazione presso l'ufficio competente; "
                "riceverà una comunicazione alla chiusura.",
            ),
        ),
    ),
)

TEXTS = Texts(
    ack=(
        "{greeting}, abbiamo ricevuto la sua richiesta, registrata con il numero di "
        "protocollo {protocol}. La terremo informata sugli sviluppi.",
        "{greeting}, grazie per la segnalazione. Il numero di protocollo è {protocol}: lo "
        "citi in ogni successiva comunicazione.",
    ),
    registered=(
        "{greeting}, la sua segnalazione è registrata con il protocollo {protocol} ed è stata "
        "passata all'ufficio competente, che la contatterà per l'intervento.",
        "{greeting}, le confermo il numero di protocollo {protocol}: la pratica prosegue con "
        "il secondo livello e sarà informata dell'esito.",
    ),
    escalate_l2=(
        "Serve un sopralluogo: passo la pratica al tecnico di secondo livello.",
        "Non risolvibile al front office, inoltro al secondo livello tecnico.",
    ),
    escalate_bo=(
        "Richiede verifica in banca dati: passo la pratica al back office.",
        "Documentazione completa, inoltro al back office per l'istruttoria.",
    ),
    asks=(
        "{greeting}, per procedere ci servono alcune informazioni: ci indichi per favore un "
        "recapito telefonico e l'indirizzo preciso.",
        "{greeting}, ci può inviare una foto o una descrizione più precisa del punto esatto?",
    ),
    customer_replies=(
        "Buongiorno, il punto esatto è davanti al civico {civico}, vicino alla fermata "
        "dell'autobus. Il mio numero è quello da cui ho chiamato.",
        "Ecco le informazioni richieste. Resto a disposizione.",
        "Allego quanto richiesto, grazie.",
    ),
    third_party=(
        "Inoltrato alla ditta di manutenzione con ordine di lavoro {odl}; in attesa "
        "dell'intervento.",
        "In attesa del gestore esterno (ordine {odl}).",
    ),
    thanks=(
        "Grazie mille, tutto risolto.",
        "Confermo che ora funziona, grazie.",
        "Grazie per la rapidità.",
    ),
    reopen=(
        "Buongiorno, il problema si è ripresentato esattamente come prima.",
        "Purtroppo l'intervento non è servito: siamo di nuovo nella stessa situazione.",
    ),
    reopen_note=("Il cittadino segnala che il problema persiste: pratica riaperta.",),
    urgency_note=(
        "Dalle informazioni raccolte c'è rischio per le persone: alzo l'urgenza.",
        "Urgenza aumentata: è coinvolta una scuola.",
    ),
    emergency_note=(
        "Attivata la reperibilità h24: intervento sul posto entro 2 ore.",
        "Emergenza presa in carico dal supervisore, informata la polizia locale.",
    ),
    complaint_note=(
        "Reclamo preso in carico dalla supervisione; risposta formale entro 30 giorni.",
        "Il cittadino ha citato il Difensore civico: priorità alta.",
    ),
    reminder_titles=("Sollecito pratica {ref}", "Sollecito: {ref_title}"),
    reminder_descriptions=(
        "Sollecito la pratica {ref}: non ho ancora avuto risposta e il problema persiste.",
        "È passata più di una settimana dalla mia segnalazione ({ref}) e nessuno è intervenuto.",
    ),
    reminder_answers=(
        "{greeting}, la pratica {ref} è in lavorazione presso l'ufficio tecnico; abbiamo "
        "sollecitato l'intervento.",
    ),
    reminder_note=("Sollecito del cittadino ricevuto con protocollo {reminder}.",),
    enquiry_titles=("Informazioni sulla pratica {ref}", "Stato della segnalazione {ref}"),
    enquiry_descriptions=("Vorrei sapere a che punto è la pratica {ref}.",),
    enquiry_answers=(
        "{greeting}, la pratica {ref} risulta presa in carico; l'intervento è programmato.",
    ),
    generic_resolutions=(
        "{greeting}, la sua richiesta è stata evasa. Grazie per averci contattato.",
    ),
    generic_answers=("{greeting}, ecco le informazioni richieste. Restiamo a disposizione.",),
    anonymous_greeting="Gentile utente",
)

VALDORIA = TenantSpec(
    slug="comune-valdoria",
    name="Comune di Valdoria",
    country="IT",
    language="it",
    time_zone="Europe/Rome",
    prefix="VAL",
    brand_color="#1d5a8e",
    email_domain="comune-valdoria.example",
    users=(
        UserSpec("giulia.ferri", "Giulia", "Ferri", Role.OPERATOR, "Operatrice front office"),
        UserSpec("marco.colombo", "Marco", "Colombo", Role.OPERATOR, "Operatore front office"),
        UserSpec("sara.galli", "Sara", "Galli", Role.OPERATOR, "Operatrice front office"),
        UserSpec("luca.moretti", "Luca", "Moretti", Role.BACK_OFFICE, "Tecnico L2 manutenzioni"),
        UserSpec(
            "elena.conti", "Elena", "Conti", Role.BACK_OFFICE, "Back office tributi e servizi"
        ),
        UserSpec("francesca.romano", "Francesca", "Romano", Role.SUPERVISOR, "Supervisora"),
        UserSpec(
            "andrea.marchetti", "Andrea", "Marchetti", Role.ADMIN, "Amministratore del servizio"
        ),
        UserSpec(
            "paolo.benedetti",
            "Paolo",
            "Benedetti",
            Role.CLIENT_REFERENT,
            "Referente URP del Comune",
        ),
    ),
    segments=(
        SegmentSpec(
            "cittadini",
            "Cittadini",
            "Residenti e non residenti che contattano il Comune.",
            82,
            "person",
        ),
        SegmentSpec(
            "imprese",
            "Imprese",
            "Attività produttive e commerciali del territorio.",
            13,
            "business",
        ),
        SegmentSpec(
            "associazioni",
            "Associazioni di categoria",
            "Associazioni di categoria: i loro casi vanno alla linea dedicata.",
            5,
            "association",
        ),
    ),
    queues=(
        QueueSpec("front-office", "Front office URP (L1)", Level.L1),
        QueueSpec(
            "linea-associazioni",
            "Linea dedicata associazioni di categoria (L1)",
            Level.L1,
            segment="associazioni",
        ),
        QueueSpec("sportello-imprese", "Sportello imprese (L1)", Level.L1, segment="imprese"),
        QueueSpec("protocollo-pec", "Protocollo PEC", Level.L1, channel="pec"),
        QueueSpec(
            "l2-illuminazione", "Illuminazione pubblica (L2)", Level.L2, topics=("illuminazione",)
        ),
        QueueSpec(
            "l2-strade-ambiente",
            "Strade, verde e ambiente (L2)",
            Level.L2,
            topics=("viabilita", "rifiuti"),
        ),
        QueueSpec("bo-tributi", "Back office tributi", Level.BO, topics=("tributi",)),
        QueueSpec(
            "bo-servizi",
            "Back office anagrafe, scuola e sociale",
            Level.BO,
            topics=("anagrafe", "sociali", "urp"),
        ),
    ),
    topics=(ILLUMINAZIONE, RIFIUTI, ANAGRAFE, TRIBUTI, VIABILITA, SOCIALI, URP),
    channels={
        "phone": 40,
        "email": 13,
        "pec": 4,
        "fax": 1.5,
        "web": 11,
        "chat": 7,
        "counter": 10,
        "callback": 5,
        "voicemail": 4,
        "api": 2,
    },
    texts=TEXTS,
    placeholders=placeholders,
    bursts=(
        ReportBurst(
            subject="alberi-verde",
            days_ago=37,
            share=0.02,
            place={"zona": "Borgo Sant'Anna"},
            resolution="{greeting}, dopo il nubifragio la squadra del verde ha rimosso le "
            "piante cadute in tutta la zona {zona}.",
        ),
        ReportBurst(
            subject="lampione-spento",
            days_ago=12,
            share=0.02,
            place={"zona": "Villanova", "via": "via dei Tigli"},
            resolution="{greeting}, il guasto alla cabina che alimenta l'illuminazione di "
            "{zona} è stato riparato: tutti i lampioni sono di nuovo accesi.",
        ),
    ),
)
