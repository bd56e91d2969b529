def test_home_renders_with_csp(client, home):
    response = client.get("/", HTTP_HOST="localhost")
    assert response.status_code == 200
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert b"<h1>Home</h1>" in response.content
