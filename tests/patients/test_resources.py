"""The community resource directory: everyone in the program searches it; program admins keep it."""

import re

import pytest
from django.urls import reverse

from accounts.errors import DomainError
from patients.models import CommunityResource, ResourceCategory
from patients.services import community_resource_save

pytestmark = pytest.mark.django_db

DIRECTORY_URL = reverse("patients:resources")
CREATE_URL = reverse("patients:resource-create")


def update_url(resource: CommunityResource) -> str:
    return reverse("patients:resource-update", kwargs={"resource_id": resource.pk})


def _resource(program, name: str, **fields: object) -> CommunityResource:
    return CommunityResource.objects.create(
        program=program, name=name, category=fields.pop("category", ResourceCategory.OTHER), **fields
    )


@pytest.fixture
def directory(program, other_program) -> dict[str, CommunityResource]:
    """A small synthetic directory, and one service of another program."""
    return {
        "pantry": _resource(
            program,
            "Synthetic Street Pantry",
            category=ResourceCategory.FOOD,
            description="Weekly groceries.",
            eligibility_notes="Anyone in need; no ID asked.",
            languages="English, Spanish",
            phone="555-0142",
            email="pantry@example.test",
            website="https://example.test/pantry",
        ),
        "housing": _resource(
            program,
            "Example Housing Desk",
            category=ResourceCategory.HOUSING,
            eligibility_notes="Adults who are homeless or about to lose their home.",
            languages="English, Haitian Creole",
        ),
        "closed": _resource(
            program, "Retired Meal Van", category=ResourceCategory.FOOD, is_active=False, languages="Spanish"
        ),
        "elsewhere": _resource(other_program, "Other Program Clinic", languages="Spanish"),
    }


def _names(response) -> list[str]:
    return [resource.name for resource in response.context["resources"]]


FORM = {
    "name": "Synthetic Ride Service",
    "category": ResourceCategory.TRANSPORT,
    "description": "Free rides to appointments.",
    "eligibility_notes": "People without a car.",
    "languages": "English, Spanish",
    "phone": "555-0150",
    "email": "rides@example.test",
    "address": "1 Test Street",
    "website": "https://example.test/rides",
}


class TestService:
    def test_a_service_is_added_with_every_detail(self, program, program_admin) -> None:
        saved = community_resource_save(program=program, acting_user=program_admin, **FORM)
        stored = CommunityResource.objects.get(pk=saved.pk)
        assert {name: getattr(stored, name) for name in FORM} == FORM
        assert (stored.program, stored.is_active) == (program, True)

    def test_a_name_already_in_the_directory_is_refused_whatever_its_case(
        self, program, program_admin, directory
    ) -> None:
        with pytest.raises(DomainError) as refusal:
            community_resource_save(
                program=program, acting_user=program_admin, name="synthetic  STREET pantry", category="food"
            )
        assert refusal.value.message == (
            "The directory already has a service called “synthetic STREET pantry”. Edit that one instead."
        )
        assert CommunityResource.objects.filter(program=program).count() == 3

    def test_the_same_name_in_another_program_is_fine(self, program, program_admin, directory) -> None:
        community_resource_save(
            program=program, acting_user=program_admin, name="Other Program Clinic", category="other"
        )
        assert CommunityResource.objects.filter(name="Other Program Clinic").count() == 2

    def test_a_service_keeps_its_own_name_when_edited(self, program, program_admin, directory) -> None:
        pantry = directory["pantry"]
        community_resource_save(
            program=program,
            acting_user=program_admin,
            resource=pantry,
            name=pantry.name,
            category="food",
            is_active=False,
        )
        pantry.refresh_from_db()
        assert (pantry.is_active, pantry.description) == (False, "")

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"name": "   "}, "Give the name of the service."),
            ({"category": "astrology"}, "Choose what kind of service it is."),
            ({"email": "not-an-email"}, "Give an email address like name@example.org, or leave it empty."),
            (
                {"website": "example dot test"},
                "Give the full web address, starting with https://, or leave it empty.",
            ),
            (
                {"website": "ftp://example.test"},
                "Give the full web address, starting with https://, or leave it empty.",
            ),
        ],
    )
    def test_bad_details_are_refused_and_nothing_is_stored(
        self, program, program_admin, change, message
    ) -> None:
        with pytest.raises(DomainError, match=re.escape(message)):
            community_resource_save(program=program, acting_user=program_admin, **(FORM | change))
        assert CommunityResource.objects.exists() is False

    def test_another_programs_admin_cannot_change_this_directory(
        self, program, other_program_admin, directory
    ) -> None:
        with pytest.raises(DomainError, match=re.escape("You can change only your own program's directory.")):
            community_resource_save(program=program, acting_user=other_program_admin, **FORM)
        assert CommunityResource.objects.filter(name=FORM["name"]).exists() is False

    def test_a_care_manager_cannot_change_the_directory(self, program, care_manager, directory) -> None:
        with pytest.raises(DomainError) as refusal:
            community_resource_save(program=program, acting_user=care_manager, **FORM)
        assert refusal.value.message == "Only an admin of this program can change its directory of services."
        assert CommunityResource.objects.filter(name=FORM["name"]).exists() is False

    def test_another_programs_service_cannot_be_changed_through_this_program(
        self, other_program, other_program_admin, directory
    ) -> None:
        with pytest.raises(DomainError, match="another program's directory"):
            community_resource_save(
                program=other_program,
                acting_user=other_program_admin,
                resource=directory["pantry"],
                name="Taken over",
                category="food",
            )
        assert CommunityResource.objects.get(pk=directory["pantry"].pk).name == "Synthetic Street Pantry"


class TestDirectory:
    @pytest.mark.parametrize(
        ("words", "found"),
        [
            ("street pantry", ["Synthetic Street Pantry"]),
            ("Spanish", ["Synthetic Street Pantry"]),
            ("creole", ["Example Housing Desk"]),
            ("homeless", ["Example Housing Desk"]),
            ("no ID", ["Synthetic Street Pantry"]),
            ("groceries", ["Synthetic Street Pantry"]),
            ("housing", ["Example Housing Desk"]),
            ("food", ["Synthetic Street Pantry"]),
            ("English", ["Example Housing Desk", "Synthetic Street Pantry"]),
            ("astrology", []),
        ],
    )
    def test_search_finds_by_name_need_who_it_is_for_and_language(
        self, client, care_manager, directory, words, found
    ) -> None:
        client.force_login(care_manager)
        response = client.get(DIRECTORY_URL, {"q": words})
        assert response.status_code == 200
        assert _names(response) == found

    def test_narrows_by_kind_of_service(self, client, care_manager, directory) -> None:
        client.force_login(care_manager)
        assert _names(client.get(DIRECTORY_URL, {"category": "housing"})) == ["Example Housing Desk"]

    def test_unknown_kinds_are_ignored_not_a_500(self, client, care_manager, directory) -> None:
        client.force_login(care_manager)
        response = client.get(DIRECTORY_URL, {"category": "astrology", "q": "x" * 500})
        assert response.status_code == 200

    def test_services_no_longer_offered_and_other_programs_are_hidden(
        self, client, care_manager, directory
    ) -> None:
        client.force_login(care_manager)
        response = client.get(DIRECTORY_URL)
        page = response.content.decode()
        assert _names(response) == ["Example Housing Desk", "Synthetic Street Pantry"]
        assert "Retired Meal Van" not in page
        assert "Other Program Clinic" not in page

    def test_cards_link_the_phone_and_email_and_say_who_it_is_for(
        self, client, care_manager, directory
    ) -> None:
        client.force_login(care_manager)
        page = client.get(DIRECTORY_URL).content.decode()
        assert '<a href="tel:555-0142">555-0142</a>' in page
        assert '<a href="mailto:pantry@example.test">pantry@example.test</a>' in page
        assert "Anyone in need; no ID asked." in page
        assert "English, Spanish" in page

    def test_care_managers_see_no_edit_links(self, client, care_manager, directory) -> None:
        client.force_login(care_manager)
        page = client.get(DIRECTORY_URL).content.decode()
        assert "Add a service" not in page
        assert update_url(directory["pantry"]) not in page

    def test_admins_see_edit_links_and_the_services_no_longer_offered(
        self, client, program_admin, directory
    ) -> None:
        client.force_login(program_admin)
        page = client.get(DIRECTORY_URL).content.decode()
        assert f'href="{CREATE_URL}"' in page
        assert update_url(directory["pantry"]) in page
        assert "No longer offered (1)" in page
        assert update_url(directory["closed"]) in page

    def test_another_programs_admin_sees_none_of_this_directory(
        self, client, other_program_admin, directory
    ) -> None:
        client.force_login(other_program_admin)
        response = client.get(DIRECTORY_URL)
        assert _names(response) == ["Other Program Clinic"]
        assert "Synthetic Street Pantry" not in response.content.decode()

    @pytest.mark.parametrize("persona", ["supervisor", "program_lead"])
    def test_every_signed_in_role_can_read_it(self, client, request, persona, directory) -> None:
        client.force_login(request.getfixturevalue(persona))
        assert _names(client.get(DIRECTORY_URL)) == ["Example Housing Desk", "Synthetic Street Pantry"]

    def test_htmx_searches_get_only_the_results(self, client, care_manager, directory) -> None:
        client.force_login(care_manager)
        response = client.get(DIRECTORY_URL, {"q": "pantry"}, headers={"HX-Request": "true"})
        page = response.content.decode()
        assert page.lstrip().startswith('<div id="resource-results">')
        assert "1 service matches." in page
        assert "<h1>" not in page

    def test_query_count_does_not_grow_with_the_directory(
        self, client, care_manager, program, django_assert_num_queries
    ) -> None:
        for number in range(3):
            _resource(program, f"Synthetic service {number}")
        client.force_login(care_manager)
        client.get(DIRECTORY_URL)  # the first request also reads the program's time zone
        # session, user, the services, session save (with its savepoint)
        with django_assert_num_queries(6):
            client.get(DIRECTORY_URL, {"q": "service"})
        for number in range(3, 40):
            _resource(program, f"Synthetic service {number}")
        with django_assert_num_queries(6):
            response = client.get(DIRECTORY_URL, {"q": "service"})
        assert len(response.context["resources"]) == 40


class TestAdding:
    def test_an_admin_adds_a_service(self, client, program, program_admin) -> None:
        client.force_login(program_admin)
        assert client.get(CREATE_URL).status_code == 200

        response = client.post(CREATE_URL, FORM)

        assert response.status_code == 302
        assert response["Location"] == DIRECTORY_URL
        stored = CommunityResource.objects.get()
        assert (stored.program, stored.name, stored.languages, stored.is_active) == (
            program,
            "Synthetic Ride Service",
            "English, Spanish",
            True,
        )
        assert "Saved “Synthetic Ride Service”." in client.get(DIRECTORY_URL).content.decode()

    def test_a_web_address_without_https_gets_it(self, client, program_admin) -> None:
        client.force_login(program_admin)
        client.post(CREATE_URL, FORM | {"website": "example.test/rides"})
        assert CommunityResource.objects.get().website == "https://example.test/rides"

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"name": ""}, "This field is required."),
            ({"category": "astrology"}, "Select a valid choice."),
            ({"email": "rides at example"}, "Enter a valid email address."),
            # Longer than the stored fields allow: refused on the form, not by the database.
            (
                {"email": f"{'r' * 60}@{'example.' * 30}test"},
                "Ensure this value has at most 254 characters",
            ),
            (
                {"website": f"https://example.test/{'ride' * 50}"},
                "Ensure this value has at most 200 characters",
            ),
            (
                {"name": "Example Housing Desk"},
                "The directory already has a service called “Example Housing Desk”.",
            ),
        ],
    )
    def test_bad_input_is_shown_on_the_page_and_nothing_is_stored(
        self, client, program_admin, directory, change, message
    ) -> None:
        client.force_login(program_admin)
        response = client.post(CREATE_URL, FORM | change)
        assert response.status_code == 422
        assert message in response.content.decode()
        assert CommunityResource.objects.filter(program=program_admin.program).count() == 3

    @pytest.mark.parametrize("persona", ["care_manager", "supervisor", "program_lead"])
    def test_other_roles_get_403_and_nothing_is_stored(self, client, request, persona) -> None:
        client.force_login(request.getfixturevalue(persona))
        assert client.get(CREATE_URL).status_code == 403
        assert client.post(CREATE_URL, FORM).status_code == 403
        assert CommunityResource.objects.exists() is False


class TestEditing:
    def test_an_admin_edits_a_service(self, client, program_admin, directory) -> None:
        pantry = directory["pantry"]
        client.force_login(program_admin)
        form = client.get(update_url(pantry)).content.decode()
        assert 'value="Synthetic Street Pantry"' in form
        assert "No longer offered" in form

        response = client.post(update_url(pantry), FORM | {"name": pantry.name, "languages": "Spanish only"})

        assert response.status_code == 302
        pantry.refresh_from_db()
        assert (pantry.languages, pantry.is_active) == ("Spanish only", True)

    def test_no_longer_offered_takes_it_out_of_the_directory(self, client, program_admin, directory) -> None:
        pantry = directory["pantry"]
        client.force_login(program_admin)
        client.post(update_url(pantry), FORM | {"name": pantry.name, "no_longer_offered": "on"})
        pantry.refresh_from_db()
        assert pantry.is_active is False
        assert pantry.name not in _names(client.get(DIRECTORY_URL))

    def test_a_service_no_longer_offered_can_come_back(self, client, program_admin, directory) -> None:
        closed = directory["closed"]
        client.force_login(program_admin)
        form = client.get(update_url(closed)).content.decode()
        assert re.search(r'<input type="checkbox" name="no_longer_offered"[^>]* checked>', form)
        client.post(update_url(closed), FORM | {"name": closed.name})
        closed.refresh_from_db()
        assert closed.is_active is True

    def test_a_refused_edit_changes_nothing(self, client, program_admin, directory) -> None:
        pantry = directory["pantry"]
        client.force_login(program_admin)
        response = client.post(update_url(pantry), FORM | {"name": "Example Housing Desk"})
        assert response.status_code == 422
        pantry.refresh_from_db()
        assert (pantry.name, pantry.category) == ("Synthetic Street Pantry", "food")

    def test_care_managers_get_403_and_nothing_changes(self, client, care_manager, directory) -> None:
        pantry = directory["pantry"]
        client.force_login(care_manager)
        assert client.get(update_url(pantry)).status_code == 403
        assert client.post(update_url(pantry), FORM).status_code == 403
        pantry.refresh_from_db()
        assert pantry.name == "Synthetic Street Pantry"

    def test_another_programs_admin_gets_404_and_nothing_changes(
        self, client, other_program_admin, directory
    ) -> None:
        pantry = directory["pantry"]
        client.force_login(other_program_admin)
        assert client.get(update_url(pantry)).status_code == 404
        assert client.post(update_url(pantry), FORM).status_code == 404
        pantry.refresh_from_db()
        assert pantry.name == "Synthetic Street Pantry"

    def test_an_unknown_service_is_404(self, client, program_admin) -> None:
        client.force_login(program_admin)
        assert (
            client.get(reverse("patients:resource-update", kwargs={"resource_id": 999_999})).status_code
            == 404
        )
