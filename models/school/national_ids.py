"""National identity numbers typed by a person (a caregiver request), checked by their
control digits before they are stored: a mistyped number would make the eID login of
the right person fail without anyone seeing why.

Norway: the fødselsnummer and the D-number (day + 40), H-number (month + 40) and the
synthetic test numbers (month + 80): 11 digits, two mod-11 control digits. Sweden: the
personnummer and the samordningsnummer (day + 60): 10 or 12 digits, the last one a Luhn
control digit over the 10 digits. A Swedish number is kept with its century (12 digits),
as the eID brokers give it; a Norwegian one as its 11 digits, as ID-porten gives it.
"""
import datetime
import re

_TYPED = re.compile(r"[0-9]{6}[-+ ]?[0-9]{4,5}|[0-9]{8}[-+ ]?[0-9]{4}")
_NO_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_NO_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _mod11(digits, weights):
    rest = 11 - sum(int(d) * w for d, w in zip(digits, weights)) % 11
    return 0 if rest == 11 else rest  # 10: no valid control digit


def _date_ok(year, month, day):
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def norwegian(digits):
    """The 11 digits pass both control digits and hold a possible birth date."""
    if len(digits) != 11:
        return False
    if _mod11(digits[:9], _NO_K1) != int(digits[9]) or \
            _mod11(digits[:10], _NO_K2) != int(digits[10]):
        return False
    day, month = int(digits[:2]), int(digits[2:4])
    day -= 40 if day > 40 else 0        # D-number
    month -= 80 if month > 80 else 40 if month > 40 else 0  # test number, H-number
    return _date_ok(2000, month, day)   # a leap year: 29 February is possible


def _luhn(digits):
    total = 0
    for position, digit in enumerate(int(d) for d in digits):
        doubled = digit * (2 if position % 2 == 0 else 1)
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def swedish(digits, today):
    """12 digits with the century, when the 10 or 12 digits pass the Luhn check and
    hold a possible birth date; None otherwise. Without the century, a number is of the
    last hundred years (a "+" between would mean older: such people are not asked for
    here)."""
    if len(digits) == 10:
        century = today.year // 100 * 100
        year = century + int(digits[:2])
        digits = str(year if year <= today.year else year - 100)[:2] + digits
    if len(digits) != 12 or not _luhn(digits[2:]):
        return None
    day = int(digits[6:8])
    day -= 60 if day > 60 else 0        # samordningsnummer
    return digits if _date_ok(int(digits[:4]), int(digits[4:6]), day) else None


def checked(text, today):
    """The number as it is stored and as an eID gives it, or None when it is not a
    valid Norwegian or Swedish national identity number."""
    compact = text.strip()
    if not _TYPED.fullmatch(compact):
        return None
    digits = "".join(ch for ch in compact if ch.isdigit())
    if len(digits) == 11:
        return digits if norwegian(digits) else None
    return swedish(digits, today)
