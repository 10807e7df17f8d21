from tests.conftest import login


def test_candidate_can_sign_in_and_see_home(client, candidate):
    response = login(client, "candidate@school.example")
    assert response.status_code == 200
    assert "Hello, Casey Candidate" in response.get_data(as_text=True)
