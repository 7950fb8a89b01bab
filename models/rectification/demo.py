"""The demo's rectification: Ola says his phone number is wrong (an open request, for
the leaders of his children's school and kindergarten to answer)."""
from models.rectification import requests
from models.rectification.tables import CONTACT, PHONE

OLA_SAYS = ("Telefonnummeret som står her er et gammelt nummer. Jeg har byttet "
            "mobilabonnement og fått nytt nummer.")


def open_request(ola, day):
    return requests.file(ola, CONTACT, PHONE, OLA_SAYS, day=day)
