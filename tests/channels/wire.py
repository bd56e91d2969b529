"""The platforms' wire formats as the local platform server sees them, for tests that check
what our real adapters sent: ``sent(server)`` reads every message sent to any platform back
into one shape, ``answer(server, platform, how)`` makes the server answer the next sends the
way that platform answers a success, a blocked bot, a rate limit or a refusal."""

from __future__ import annotations

SEND_PATHS = {"telegram": r"/sendMessage$", "viber": r"/send_message$",
              "whatsapp": r"/messages$", "messenger": r"/messages$"}


def answer(server, platform: str, how: str = "ok", value=None) -> None:
    """``how``: "ok" (``value``: the message id), "blocked", "retry" (``value``: seconds),
    "refused"."""
    replies = {
        "telegram": {
            "ok": (200, {"ok": True, "result": {"message_id": value or 7}}),
            "blocked": (403, {"ok": False, "error_code": 403,
                              "description": "Forbidden: bot was blocked by the user"}),
            "retry": (429, {"ok": False, "error_code": 429,
                            "description": "Too Many Requests",
                            "parameters": {"retry_after": value or 1}}),
            "refused": (400, {"ok": False, "error_code": 400,
                              "description": "Bad Request: chat not found"})},
        "viber": {
            "ok": (200, {"status": 0, "status_message": "ok", "message_token": value or 7}),
            "blocked": (200, {"status": 6, "status_message": "notSubscribed"}),
            "retry": (429, {}, {"Retry-After": str(value or 1)}),
            "refused": (200, {"status": 3, "status_message": "badData"})},
        "whatsapp": {
            "ok": (200, {"messages": [{"id": f"wamid.{value or 7}"}]}),
            "blocked": (400, {"error": {"code": 131026, "message": "Message undeliverable"}}),
            "retry": (429, {"error": {"code": 130429, "message": "Rate limit hit"}},
                      {"Retry-After": str(value or 1)}),
            "refused": (400, {"error": {"code": 100, "message": "Invalid parameter"}})},
        "messenger": {
            "ok": (200, {"recipient_id": "1", "message_id": f"m.{value or 7}"}),
            "blocked": (400, {"error": {"code": 551, "message": "Person unavailable"}}),
            "retry": (429, {"error": {"code": 613, "message": "Calls limit"}},
                      {"Retry-After": str(value or 1)}),
            "refused": (400, {"error": {"code": 100, "message": "Invalid parameter"}})},
    }
    server.route("POST", SEND_PATHS[platform], replies[platform][how])


def _read(request) -> dict:
    data = request.json or {}
    path = request.path
    if path.endswith("/sendMessage"):
        markup = data.get("reply_markup") or {}
        return {"platform": "telegram", "chat_id": str(data.get("chat_id", "")),
                "text": data.get("text", ""), "template": "", "language": "", "params": [],
                "buttons": [b.get("callback_data", "") for row in
                            markup.get("inline_keyboard", []) for b in row]}
    if path.endswith("/send_message"):
        return {"platform": "viber", "chat_id": str(data.get("receiver", "")),
                "text": data.get("text", ""), "template": "", "language": "", "params": [],
                "buttons": [b.get("ActionBody", "") for b in
                            (data.get("keyboard") or {}).get("Buttons", [])
                            if b.get("ActionType") == "reply"]}
    if "messaging_product" in data:
        template = data.get("template") or {}
        interactive = data.get("interactive") or {}
        action = interactive.get("action") or {}
        params = [parameter.get("text", "") for component in template.get("components", [])
                  for parameter in component.get("parameters", [])]
        return {"platform": "whatsapp", "chat_id": str(data.get("to", "")),
                "text": (data.get("text") or {}).get("body")
                or (interactive.get("body") or {}).get("text", ""),
                "template": template.get("name", ""),
                "language": (template.get("language") or {}).get("code", ""), "params": params,
                "buttons": [b["reply"]["id"] for b in action.get("buttons", [])]
                + [row["id"] for section in action.get("sections", [])
                   for row in section.get("rows", [])]}
    message = data.get("message") or {}
    return {"platform": "messenger", "chat_id": str((data.get("recipient") or {}).get("id", "")),
            "text": message.get("text", ""), "template": "", "language": "", "params": [],
            "buttons": [q.get("payload", "") for q in message.get("quick_replies", [])
                        if q.get("content_type") == "text"]}


def sent(server) -> list[dict]:
    """Every message the adapters sent to the server, in one shape: platform, chat_id, text,
    template, language, params, buttons."""
    return [_read(request) for request in server.requests if request.method == "POST"
            and (request.path.endswith(("/sendMessage", "/send_message", "/messages")))]
