"""Is this the same person? Matching referrals against each other and against the program's patients.

Two people match on the same MRN, or on the same name and date of birth, where names are compared without
case, accents, punctuation or extra spaces, and with first and last names possibly swapped ("Garcia Maria"
for "María García").
"""

import dataclasses
import datetime
import unicodedata
from collections import defaultdict

from accounts.models import Program
from patients.models import Patient


def normalized_name(text: str) -> str:
    """'  María-José  ' -> 'maria jose'; "O'Neil" -> 'oneil'."""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    for apostrophe in ("'", "\u2019"):  # O'Neil and ONeil are the same name
        letters = letters.replace(apostrophe, "")
    for separator in "-.,":  # María-José and Maria Jose too
        letters = letters.replace(separator, " ")
    return " ".join(letters.casefold().split())


@dataclasses.dataclass(frozen=True)
class PersonKey:
    """Name and date of birth as compared: the two names in sorted order, so a swap still matches."""

    names: tuple[str, str]
    date_of_birth: datetime.date

    @classmethod
    def of(cls, first: str, last: str, date_of_birth: datetime.date) -> "PersonKey":
        pair = sorted((normalized_name(first), normalized_name(last)))
        return cls((pair[0], pair[1]), date_of_birth)


@dataclasses.dataclass(frozen=True)
class PersonToMatch:
    legal_first_name: str
    legal_last_name: str
    date_of_birth: datetime.date
    mrn: str = ""

    @property
    def key(self) -> PersonKey:
        return PersonKey.of(self.legal_first_name, self.legal_last_name, self.date_of_birth)


def existing_matches(*, program: Program, people: list[PersonToMatch]) -> list[list[Patient]]:
    """For each person, the program's patients who may be the same person (same MRN, or same name and date
    of birth). Two queries whatever the number of people: one by MRN, one by date of birth."""
    if not people:
        return []
    mrns = {person.mrn.strip() for person in people if person.mrn.strip()}
    by_mrn: dict[str, Patient] = {
        patient.mrn: patient for patient in Patient.objects.filter(program=program, mrn__in=mrns)
    }
    by_key: dict[PersonKey, list[Patient]] = defaultdict(list)
    births = {person.date_of_birth for person in people}
    for patient in Patient.objects.filter(program=program, date_of_birth__in=births).order_by("pk"):
        by_key[PersonKey.of(patient.legal_first_name, patient.legal_last_name, patient.date_of_birth)].append(
            patient
        )
    matches = []
    for person in people:
        found = [by_mrn[person.mrn.strip()]] if person.mrn.strip() in by_mrn else []
        found += [patient for patient in by_key.get(person.key, []) if patient not in found]
        matches.append(found)
    return matches


def possible_duplicates_of(*, program: Program, person: PersonToMatch) -> list[Patient]:
    """The program's patients who may be this person."""
    return existing_matches(program=program, people=[person])[0]


def duplicates_within(people: list[PersonToMatch]) -> dict[int, int]:
    """Within one file: for each person (by index) who repeats an earlier one, the index of that first one."""
    first_by_key: dict[PersonKey, int] = {}
    first_by_mrn: dict[str, int] = {}
    repeats: dict[int, int] = {}
    for index, person in enumerate(people):
        mrn = person.mrn.strip()
        earlier = first_by_mrn.get(mrn) if mrn else None
        if earlier is None:
            earlier = first_by_key.get(person.key)
        if earlier is not None:
            repeats[index] = earlier
            continue
        first_by_key[person.key] = index
        if mrn:
            first_by_mrn[mrn] = index
    return repeats
