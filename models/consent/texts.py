"""The built-in photo, film and sound consent, in each language (seed 003 and the
guidance of Datatilsynet / IMY). The text is stored with the consent when it is made:
a guardian's answer stays tied to the exact words they saw, so these are data, not
interface strings, and later changes here do not alter what was agreed to."""

PHOTO_TEXTS = {
    "nb": {
        "title": "Bilder, film og lyd",
        "text": (
            "{municipality} ber om ditt samtykke til å bruke bilder, film og lydopptak av "
            "barnet ditt fra skolen, SFO eller barnehagen. Du svarer for hver bruk for seg, "
            "og du kan trekke samtykket tilbake når som helst her i Kontaktbok. Det virker "
            "med en gang.\n\n"
            "Bilder og opptak tas bare i skolens eller barnehagens lokaler og aktiviteter, "
            "med ansvarlig pedagog til stede. Materialet brukes bare der {municipality} er "
            "avsender, og aldri kommersielt: vi gir ikke bort eller selger bilder, film "
            "eller opptak av barnet ditt.\n\n"
            "Samtykket gjelder til du endrer det, og vi spør på nytt hvert skoleår. Alle "
            "med foreldreansvar må si ja før vi bruker materialet.\n\n"
            "Behandlingsgrunnlaget er samtykke (personvernforordningen artikkel 6 nr. 1 "
            "bokstav a). {municipality} er behandlingsansvarlig. Du har rett til innsyn, "
            "retting og sletting, og kan klage til Datatilsynet."),
        "items": {
            "app": "Bilder, film og lyd i Kontaktbok, for de foresatte i barnets gruppe",
            "web": "Bilder og film på kommunens nettsider og i trykt materiell",
            "social": "Bilder og film i kommunens sosiale medier",
            "name": "Barnets navn sammen med bilder, film eller lyd",
        },
    },
    "nn": {
        "title": "Bilete, film og lyd",
        "text": (
            "{municipality} ber om samtykket ditt til å bruke bilete, film og lydopptak av "
            "barnet ditt frå skulen, SFO eller barnehagen. Du svarar for kvar bruk for seg, "
            "og du kan trekkje samtykket tilbake når som helst her i Kontaktbok. Det verkar "
            "med ein gong.\n\n"
            "Bilete og opptak blir berre tekne i lokala og aktivitetane til skulen eller "
            "barnehagen, med ansvarleg pedagog til stades. Materialet blir berre brukt der "
            "{municipality} er avsendar, og aldri kommersielt: vi gir ikkje bort eller sel "
            "bilete, film eller opptak av barnet ditt.\n\n"
            "Samtykket gjeld til du endrar det, og vi spør på nytt kvart skuleår. Alle med "
            "foreldreansvar må seie ja før vi bruker materialet.\n\n"
            "Behandlingsgrunnlaget er samtykke (personvernforordninga artikkel 6 nr. 1 "
            "bokstav a). {municipality} er behandlingsansvarleg. Du har rett til innsyn, "
            "retting og sletting, og kan klage til Datatilsynet."),
        "items": {
            "app": "Bilete, film og lyd i Kontaktbok, for dei føresette i gruppa til barnet",
            "web": "Bilete og film på nettsidene til kommunen og i trykt materiell",
            "social": "Bilete og film i dei sosiale media til kommunen",
            "name": "Namnet til barnet saman med bilete, film eller lyd",
        },
    },
    "sv": {
        "title": "Foto, film och ljud",
        "text": (
            "{municipality} ber om ditt samtycke till att använda foton, filmer och "
            "ljudinspelningar av ditt barn från förskolan, skolan eller fritidshemmet. Du "
            "svarar för varje användning för sig, och du kan när som helst återkalla "
            "samtycket här i Kontaktbok. Det gäller direkt.\n\n"
            "Fotografering och inspelning sker bara i verksamhetens miljö under "
            "överinseende av ansvarig pedagog. Materialet används bara där {municipality} "
            "står som avsändare och aldrig i kommersiellt syfte: vi ger inte bort eller "
            "säljer bilder, film eller inspelningar där ditt barn är med.\n\n"
            "Samtycket gäller tills vidare, och vi frågar på nytt varje läsår. Alla "
            "vårdnadshavare måste svara ja innan vi använder materialet.\n\n"
            "Den rättsliga grunden är samtycke (dataskyddsförordningen artikel 6.1 a). "
            "{municipality} är personuppgiftsansvarig. Du har rätt till information, "
            "rättelse och radering, och kan klaga till Integritetsskyddsmyndigheten (IMY)."),
        "items": {
            "app": "Foto, film och ljud i Kontaktbok, för vårdnadshavarna i barnets grupp",
            "web": "Foto och film på kommunens webbplats och i tryckt material",
            "social": "Foto och film i kommunens sociala medier",
            "name": "Barnets namn tillsammans med foto, film eller ljud",
        },
    },
    "en": {
        "title": "Photos, film and sound",
        "text": (
            "{municipality} asks for your consent to use photos, film and sound recordings "
            "of your child from school, after-school care or kindergarten. You answer for "
            "each use separately, and you can withdraw your consent at any time here in "
            "Kontaktbok. It takes effect at once.\n\n"
            "Photos and recordings are only made at the school's or kindergarten's premises "
            "and activities, with the responsible teacher present. The material is only used "
            "where {municipality} is the sender, and never commercially: we do not give "
            "away or sell photos, film or recordings of your child.\n\n"
            "The consent applies until you change it, and we ask again every school year. "
            "Everyone with parental responsibility must say yes before we use the "
            "material.\n\n"
            "The legal basis is consent (GDPR article 6(1)(a)). {municipality} is the "
            "controller. You have the right of access, rectification and erasure, and may "
            "complain to the data protection authority."),
        "items": {
            "app": "Photos, film and sound in Kontaktbok, for the guardians of the child's group",
            "web": "Photos and film on the municipality's website and in print",
            "social": "Photos and film on the municipality's social media",
            "name": "The child's name together with photos, film or sound",
        },
    },
}


def photo_texts(municipality):
    """The photo consent's texts with the municipality's name filled in."""
    return {language: {"title": t["title"],
                       "text": t["text"].format(municipality=municipality),
                       "items": dict(t["items"])}
            for language, t in PHOTO_TEXTS.items()}
