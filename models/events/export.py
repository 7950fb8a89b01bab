"""What a guardian's data export holds of events: their children's events (in the
language written) and the replies given for those children — by anyone of the family,
since the reply is about the child; never another family's."""
from models.access.events import family_rows
from models.events.tables import Event, EventReply


def for_guardian(user):
    rows = list(family_rows(user).order_by(Event.starts_at, Event.id).objects())
    replies = {}
    if rows:
        for reply in EventReply.select().where(
                EventReply.event.in_({row.id for row in rows})
                & EventReply.child.in_({row.child_id for row in rows})):
            replies[(reply.event_id, reply.child_id)] = reply
    events = []
    for row in rows:
        reply = replies.get((row.id, row.child_id))
        events.append({
            "child": row.child_first_name,
            "title": row.title, "text": row.body, "place": row.place, "bring": row.bring,
            "all_day": bool(row.all_day), "starts_at": row.starts_at.isoformat() + "Z",
            "ends_at": row.ends_at.isoformat() + "Z",
            "cancelled": row.cancelled_at is not None,
            "reply": None if reply is None else {
                "answer": reply.answer, "children": reply.children, "adults": reply.adults,
                "answered_at": reply.answered_at.isoformat() + "Z",
                "answered_by_me": reply.answered_by_id == user.id},
        })
    return {"events": events}
