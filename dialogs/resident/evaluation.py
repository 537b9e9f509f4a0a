"""A resident's vote in voters' 评议: one press of 满意 / 基本满意 / 不满意 under the evaluation's
message votes; then they may add one comment (✍️, one message, or skip it). A second vote, a
vote of someone the evaluation did not ask (another station's resident, a forged button) and a
vote after closing are refused in one sentence and change nothing.

Callback data ``evr:v:<evaluation>:<s|b|u>`` (vote), ``evr:c:<evaluation>`` (add a comment),
``evr:k:<evaluation>`` (no comment). The comment step lives in the dialog state (``evr``).
"""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler

from dialogs.kernel.callbacks import EVALUATION_VOTE as FLOW
from dialogs.kernel.callbacks import encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import Turn
from dialogs.kernel.unit import Dispatcher, wrap
from storage import evaluations as store

__all__ = ["handlers", "FLOW"]


def _refuse(turn: Turn, error: store.EvaluationError) -> None:
    fields = dict(error.fields)
    if "choice" in fields:
        fields["choice"] = turn.t(f"evaluation.choice_{fields['choice']}")
    turn.toast(error.key, alert=True, **fields)


async def on_button(turn: Turn) -> None:
    cb = turn.callback
    evaluation_id = cb.int_arg(0) if cb is not None else None
    if cb is None or evaluation_id is None or turn.resident is None:
        turn.toast("evaluation.not_asked", alert=True)
        return
    resident_id = turn.resident.id
    if cb.action == "v":
        try:
            _, cast = await store.cast_ballot(turn.session, evaluation_id, resident_id,
                                              cb.arg(1), now=turn.now)
        except store.EvaluationError as error:
            _refuse(turn, error)
            return
        turn.say("evaluation.voted", inline([[
            (turn.t("evaluation.btn_comment"), encode(FLOW, "c", evaluation_id)),
            (turn.t("evaluation.btn_no_comment"), encode(FLOW, "k", evaluation_id))]]),
            choice=turn.t(f"evaluation.choice_{cast.choice}"))
        return
    ballot = await store.ballot_of(turn.session, evaluation_id, resident_id)
    if ballot is None:
        turn.toast("evaluation.not_asked", alert=True)
    elif ballot.comment is not None:
        turn.toast("evaluation.comment_already", alert=True)
    elif cb.action == "c":
        turn.set_state(FLOW, "comment", {"eid": evaluation_id})
        turn.edit(turn.t("evaluation.ask_comment", limit=store.COMMENT_LIMIT))
    elif cb.action == "k":
        if turn.in_flow(FLOW):
            turn.clear_state()
        turn.edit(turn.t("evaluation.no_comment_ok"))
    else:
        turn.toast("evaluation.not_asked", alert=True)


async def on_comment(turn: Turn) -> None:
    """The one message after ✍️: the comment (text only)."""
    if turn.resident is None or not turn.in_flow(FLOW, "comment"):
        return
    text, message = turn.message_text, turn.update.effective_message
    if message is None or not message.text or len(text.strip()) > store.COMMENT_LIMIT:
        turn.say("evaluation.bad_comment", limit=store.COMMENT_LIMIT)
        return
    try:
        await store.add_comment(turn.session, int(turn.data.get("eid", 0)), turn.resident.id,
                                text, now=turn.now)
    except store.EvaluationError as error:
        turn.clear_state()
        turn.send(turn.t(error.key, **error.fields))
        return
    turn.clear_state()
    turn.say("evaluation.comment_saved")


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    dispatcher.on_message(FLOW, on_comment)
    return [CallbackQueryHandler(wrap(services, on_button, "evaluation_vote"),
                                 pattern=f"^{FLOW}:")]
