"""The interface's languages. Adding one is this one line and its catalogue
(translations/<code>/LC_MESSAGES/messages.po; README: "Languages")."""
from babel import Locale

# Code → the language's name in itself, as the language menu shows it.
NAMES = {
    "nb": "Norsk bokmål", "nn": "Norsk nynorsk", "sv": "Svenska", "en": "English",
    "pl": "Polski", "uk": "Українська", "ar": "العربية", "so": "Soomaali",
    "se": "Davvisámegiella",
}
# The languages of the Nordic administrations (and of Sámi areas): by default the ones staff
# write consent texts and events in ([languages] written).
OFFICIAL = ("nb", "nn", "sv", "se")
# Catalogues not yet read by a native speaker (machine-assisted; README says so).
UNREVIEWED = ("pl", "uk", "ar", "so", "se")
LOCALES = {code: Locale.parse(code) for code in NAMES}
# "rtl" for the languages written right to left (Arabic), from Babel's locale data.
DIRECTIONS = {code: "rtl" if locale.character_order == "right-to-left" else "ltr"
              for code, locale in LOCALES.items()}
