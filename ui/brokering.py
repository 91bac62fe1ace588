"""Brokering in the app (issue 13): act on a match.

* :func:`candidate_actions` – on a candidate card (Mismatch → Koble): **Koble** and **Avvis** (with a reason),
  and the request to the offer's provider;
* :func:`need_actions` – in a need's detail card: status, linked offer and stage dates, the next pipeline step
  with a date, a step back, and the rejected offers (a rejection can be taken back);
* :func:`need_card_actions` – :func:`need_actions` for the row selected in a record table (Behov page);
* :func:`provider_request` – "Forespørsel til tilbyder": the text to copy or download;
* :func:`pool_to_offer` / :func:`pool_actions` – "Opprett tilbud fra kursmulighet": a pool becomes a planned
  offer in one step, with its needs linked to it.

Everything writes through :mod:`kompilot_data.records.brokering` (one transaction, optimistic locking, audit
log, region check). The version a button acts on is the one read when the button was drawn (bound to the
callback), so a change by someone else in between is refused with who changed it and when. Only coordinators
see the actions, and a coordinator limited to a sub-region only for needs placed there. Every user text shown
goes through ``safe_text.plain`` (the request text is shown in a code block, which renders nothing).
"""

from __future__ import annotations

import zlib
from datetime import date

import pandas as pd
import streamlit as st

from kompilot_data.engine import pooling
from kompilot_data.present.safe_text import plain
from kompilot_data.records import brokering, errors, storage
from kompilot_data.reference import taxonomy
from kompilot_data.reference.i18n import format_date
from ui.auth import access
from ui.cached import engine, refresh_data_version
from ui.state import T, language

FEEDBACK = "_brokering_feedback"
POOL_SCOPE = "pool"
REASONS = ("travel", "level", "time", "content", "business", "other")


# --- feedback and guards --------------------------------------------------------------------


def _say(scope: str, kind: str, text: str) -> None:
    st.session_state.setdefault(FEEDBACK, {})[scope] = (kind, text)


def _feedback(scope: str) -> None:
    """The outcome of the last action in ``scope`` (shown once, where the action was)."""
    message = st.session_state.get(FEEDBACK, {}).pop(scope, None)
    if message is None:
        return
    kind, text = message
    (st.success if kind == "ok" else st.error)(plain(text), icon=":material/check:" if kind == "ok" else None)


def _run(scope: str, what: str, action, done: str) -> None:
    """Run a brokering step in a button callback: the message (success or why not) and a fresh data version."""
    try:
        action()
    except Exception as error:  # every failure becomes one Norwegian message (traceback to the log)
        _say(scope, "error", errors.log(error, what, language()))
        return
    _say(scope, "ok", done)
    refresh_data_version()


def may_broker(kommunenummer) -> bool:
    """Whether the current user may broker a need placed in ``kommunenummer``."""
    current = access()
    return current.can_edit and current.may_write(None if pd.isna(kommunenummer) else str(kommunenummer))


def _region_note() -> None:
    st.caption(T("broker_outside", region=plain(access().region or "")))


def _version(need_id: str) -> int | None:
    return storage.versions(engine(), "needs", [need_id]).get(need_id)


def _writable_version(need: pd.Series, need_id: str) -> int | None:
    """The stored version of a need the current user may broker (for optimistic locking); None - with the
    region note when the need lies outside the user's region - when there is nothing to act on."""
    if not may_broker(need["kommunenummer"]):
        _region_note()
        return None
    return _version(need_id)


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _offer_title(offers: pd.DataFrame, offer_id: str) -> str:
    row = offers[offers["tilbud_id"].astype(str) == offer_id]
    if row.empty:
        return offer_id
    return f"{row.iloc[0]['tittel']} – {row.iloc[0]['tilbyder']} ({offer_id})"


# --- a candidate card -------------------------------------------------------------------------


def candidate_actions(view, need: pd.Series, candidate, offer: pd.Series | None = None) -> None:
    """**Koble** and **Avvis** for one candidate of a need (a row of ``view.brokering.candidates``), inside its card; and
    the request to the offer's provider for the needs this offer is a candidate for."""
    if not view.audience.sees_records:
        return
    need_id, offer_id = (
        str(need["behov_id"]),
        str(candidate["tilbud_id"] if isinstance(candidate, pd.Series) else candidate.tilbud_id),
    )
    scope = f"{need_id}|{offer_id}"
    _feedback(scope)
    version = _writable_version(need, need_id)
    if version is None:
        return
    linked_here = _text(need.get("tilbud_id")) == offer_id and str(need["status"]) != brokering.CLOSED
    left, middle = st.columns(2)
    if linked_here:
        left.markdown(
            ":material/link: " + T("broker_linked_here", date=format_date(need.get("koblet_dato"), language()))
        )
    else:
        relink = bool(_text(need.get("tilbud_id"))) and str(need["status"]) == "koblet"
        left.button(
            T("broker_relink" if relink else "broker_link"),
            key=f"link_{scope}",
            type="primary",
            icon=":material/link:",
            help=T("broker_link_help"),
            disabled=str(need["status"]) not in ("kartlagt", "koblet"),
            on_click=_link,
            args=(scope, need_id, offer_id, version),
            width="stretch",
        )
    with middle.popover(T("broker_reject"), icon=":material/block:", disabled=linked_here, width="stretch"):
        _reject_form(scope, need_id, offer_id, version)
    needs = _needs_for_offer(view, offer_id)
    if offer is not None and len(needs):
        with st.expander(T("broker_request_title_count", needs=len(needs))):
            provider_request(view, offer, needs, key=f"request_{scope}")


def _needs_for_offer(view, offer_id: str) -> pd.DataFrame:
    """Open needs of the view that have ``offer_id`` among their candidates (what the provider is asked about)."""
    ranked = view.brokering.candidates
    if ranked.empty:
        return view.open_needs.iloc[0:0]
    ids = ranked.loc[ranked["tilbud_id"].astype(str) == offer_id, "behov_id"].astype(str)
    needs = view.open_needs
    return needs[needs["behov_id"].astype(str).isin(set(ids)).to_numpy()]


def _link(scope: str, need_id: str, offer_id: str, version: int) -> None:
    current = access()
    _run(
        scope,
        "kobling",
        lambda: brokering.link(engine(), need_id, offer_id, version, current),
        T("broker_linked", need=need_id, offer=offer_id),
    )


def _reject_form(scope: str, need_id: str, offer_id: str, version: int) -> None:
    st.caption(T("broker_reject_note"))
    st.radio(
        T("broker_reject_reason"),
        REASONS,
        key=f"reason_{scope}",
        format_func=lambda code: T(f"broker_reason_{code}"),
        index=None,
    )
    st.text_input(T("broker_reject_detail"), key=f"detail_{scope}", max_chars=300)
    st.button(
        T("broker_reject_confirm"),
        key=f"reject_{scope}",
        icon=":material/block:",
        on_click=_reject,
        args=(scope, need_id, offer_id, version),
    )


def _reject(scope: str, need_id: str, offer_id: str, version: int) -> None:
    code = st.session_state.get(f"reason_{scope}")
    detail = (st.session_state.get(f"detail_{scope}") or "").strip()
    if code is None and not detail:
        _say(scope, "error", T("broker_reason_missing"))
        return
    reason = T(f"broker_reason_{code}") if code else ""
    reason = f"{reason}: {detail}" if reason and detail else reason or detail
    current = access()
    _run(
        scope,
        "avvisning",
        lambda: brokering.reject(engine(), need_id, offer_id, reason, version, current),
        T("broker_rejected", need=need_id, offer=offer_id),
    )


# --- a need's detail card ---------------------------------------------------------------------


def need_actions(view, need: pd.Series) -> None:
    """The need's place in the pipeline and what a coordinator can do next, in a card: status, linked offer,
    stage dates; the next step (with a date), closing without an offer, a step back; the rejected offers."""
    if not view.audience.sees_records:
        return
    need_id = str(need["behov_id"])
    scope = f"need|{need_id}"
    lang = language()
    statuses = taxonomy.labels("behov_status", lang)
    with st.container(border=True):
        st.markdown(f"**{T('broker_title')}** · {plain(need_id)}")
        _feedback(scope)
        status = str(need["status"])
        lines = [T("broker_status_now", status=statuses.get(status, status))]
        offer_id = _text(need.get("tilbud_id"))
        if offer_id:
            lines.append(T("broker_linked_to", offer=plain(_offer_title(view.all_offers, offer_id))))
        dates = [
            f"{statuses[stage]} {format_date(need.get(column), lang)}"
            for stage, column in brokering.STAGE_DATES.items()
            if not pd.isna(need.get(column))
        ]
        if dates:
            lines.append(T("broker_stage_dates", dates=", ".join(dates)))
        st.markdown("\n".join(f"- {line}" for line in lines))
        version = _writable_version(need, need_id)
        if version is None:
            return
        if status == "kartlagt":
            st.caption(T("broker_kartlagt_hint"))
        steps = list(brokering.FORWARD.get(status, ()))
        back = brokering.previous_stage(need)
        if steps or back:
            earliest = max(
                [need["registrert"], *(need.get(c) for c in ("koblet_dato", "etablert_dato"))],
                key=lambda d: pd.Timestamp(d) if not pd.isna(d) else pd.Timestamp.min,
            )
            day = st.date_input(
                T("broker_date"),
                value=date.today(),
                min_value=pd.Timestamp(earliest).date(),
                max_value=date.today(),
                key=f"stage_date_{need_id}",
                format="DD.MM.YYYY" if lang == "nb" else "YYYY-MM-DD",
                help=T("broker_date_help"),
            )
            columns = st.columns(len(steps) + (1 if back else 0))
            for column, step in zip(columns, steps, strict=False):
                column.button(
                    T(f"broker_to_{step}"),
                    key=f"stage_{step}_{need_id}",
                    type="primary" if step != brokering.CLOSED else "secondary",
                    on_click=_set_stage,
                    args=(scope, need_id, step, version, day),
                    width="stretch",
                )
            if back:
                columns[-1].button(
                    T("broker_back", status=statuses[back]),
                    key=f"back_{need_id}",
                    icon=":material/undo:",
                    on_click=_step_back,
                    args=(scope, need_id, version, statuses[back]),
                    width="stretch",
                )
        _rejections(view, need_id, scope)


def _set_stage(scope: str, need_id: str, status: str, version: int, day: date) -> None:
    current = access()
    label = taxonomy.labels("behov_status", language())[status]
    _run(
        scope,
        "status",
        lambda: brokering.set_stage(engine(), need_id, status, version, current, when=day),
        T("broker_stage_done", need=need_id, status=label, date=format_date(day, language())),
    )


def _step_back(scope: str, need_id: str, version: int, label: str) -> None:
    current = access()
    _run(
        scope,
        "status",
        lambda: brokering.step_back(engine(), need_id, version, current),
        T("broker_back_done", need=need_id, status=label),
    )


def _rejections(view, need_id: str, scope: str) -> None:
    rejected = view.rejected
    if rejected is None or rejected.empty:
        return
    mine = rejected[rejected["behov_id"].astype(str) == need_id]
    if mine.empty:
        return
    st.markdown(f"**{T('broker_rejected_title')}**")
    for row in mine.itertuples(index=False):
        text, button = st.columns([4, 1])
        when = format_date(getattr(row, "tidspunkt", None), language()) if hasattr(row, "tidspunkt") else ""
        text.markdown(
            plain(f"{_offer_title(view.all_offers, str(row.tilbud_id))}: {getattr(row, 'grunn', '')}")
            + (f" ({plain(getattr(row, 'bruker', ''))}, {when})" if when else "")
        )
        button.button(
            T("broker_unreject"),
            key=f"unreject_{need_id}_{row.tilbud_id}",
            on_click=_unreject,
            args=(scope, need_id, str(row.tilbud_id)),
        )


def _unreject(scope: str, need_id: str, offer_id: str) -> None:
    current = access()
    _run(
        scope,
        "angring av avvisning",
        lambda: brokering.undo_rejection(engine(), need_id, offer_id, current),
        T("broker_unrejected", need=need_id, offer=offer_id),
    )


def need_card_actions(view, table_key: str, frame: pd.DataFrame | None = None) -> None:
    """:func:`need_actions` for the row selected in the record table ``table_key`` (as drawn by
    ``ui.record_table`` from ``frame``, default ``view.needs``); nothing when no row is selected."""
    state = st.session_state.get(table_key)
    rows = []
    if state is not None:
        selection = state.get("selection", {}) if isinstance(state, dict) else getattr(state, "selection", {})
        rows = selection.get("rows", []) if isinstance(selection, dict) else getattr(selection, "rows", [])
    frame = view.needs if frame is None else frame
    if not rows or rows[0] >= len(frame):
        return
    need_actions(view, frame.iloc[rows[0]])


# --- the request to a provider ----------------------------------------------------------------


def provider_request(view, offer: pd.Series, needs: pd.DataFrame, key: str = "request") -> str:
    """ "Forespørsel til tilbyder" for ``offer`` about ``needs``: the text (no business identities) in a code block
    with a copy button, and a download; in the interface's language. Returns the text."""
    lang = language()
    sender = access().user if access().mode == "innlogget" else None
    text = brokering.provider_request(offer, needs, lang, sender=sender)
    st.caption(T("broker_request_help"))
    st.code(text, language=None, wrap_lines=True)
    stem = T("broker_request_file")
    st.download_button(
        T("broker_request_download"),
        text.encode("utf-8"),
        f"{stem}_{offer['tilbud_id']}.txt",
        "text/plain",
        key=f"{key}_download",
        on_click="ignore",
        icon=":material/download:",
    )
    return text


# --- a course opportunity becomes an offer ----------------------------------------------------


def pool_actions(view, pools: pd.DataFrame, min_class: int) -> None:
    """Pick a course opportunity (a row of ``view.brokering.pools(min_class)``) and make it a planned offer."""
    if not view.audience.sees_records or pools.empty or "behov_ids" not in pools:
        return
    st.markdown(f"**{T('broker_pool_title')}**")
    _feedback(POOL_SCOPE)
    position = st.selectbox(
        T("broker_pool_pick"),
        list(range(len(pools))),
        format_func=lambda i: _text(pools.iloc[i]["beskrivelse"]) or str(i + 1),
        key="pool_pick",
    )
    if position is not None:
        pool_to_offer(view, pools.iloc[position], min_class)


def pool_to_offer(view, pool: pd.Series, min_class: int) -> None:
    """ "Opprett tilbud fra kursmulighet": the proposed planned offer in a form the coordinator checks, then one
    click creates it and links the pooled needs (refused whole if one changed since it was drawn)."""
    lang = language()
    ids = pooling.pool_need_ids(pool)
    scope = POOL_SCOPE
    _feedback(scope)
    needs = view.needs[view.needs["behov_id"].astype(str).isin(ids).to_numpy()]
    outside = [i for i, place in zip(needs["behov_id"], needs["kommunenummer"], strict=True) if not may_broker(place)]
    if outside or not may_broker(pool["vert_kommunenummer"]):
        _region_note()
        return
    proposal = pooling.pool_offer(pool, view.all_needs, min_class, lang)
    versions = storage.versions(engine(), "needs", ids)
    form_key = f"pool_form_{zlib.crc32(';'.join(ids).encode())}"
    with st.form(form_key, border=True):
        st.caption(T("broker_pool_help", needs=len(ids)))
        left, right = st.columns(2)
        left.text_input(T("th_tittel"), proposal["tittel"], key=f"{form_key}_tittel", max_chars=200)
        right.text_input(
            T("th_tilbyder"),
            proposal["tilbyder"],
            key=f"{form_key}_tilbyder",
            max_chars=200,
            placeholder=T("broker_pool_provider_placeholder"),
        )
        modes = taxonomy.labels("laeringsform", lang)
        left.selectbox(
            T("th_laeringsform"),
            list(modes),
            index=list(modes).index(proposal["laeringsform"]),
            format_func=modes.get,
            key=f"{form_key}_laeringsform",
        )
        right.date_input(
            T("th_oppstart"),
            date.fromisoformat(proposal["oppstart"]),
            key=f"{form_key}_oppstart",
            format="DD.MM.YYYY" if lang == "nb" else "YYYY-MM-DD",
        )
        left.number_input(T("th_kapasitet"), 1, 10_000, int(proposal["kapasitet"]), step=1, key=f"{form_key}_kapasitet")
        right.number_input(
            T("th_min_deltakere"), 1, 10_000, int(proposal["min_deltakere"]), step=1, key=f"{form_key}_min"
        )
        st.text_input(
            T("th_tilbud_id"),
            "",
            key=f"{form_key}_id",
            max_chars=64,
            placeholder=brokering.next_offer_id(engine()),
            help=T("broker_pool_id_help"),
        )
        st.form_submit_button(
            T("broker_pool_submit", needs=len(ids)),
            type="primary",
            icon=":material/add_task:",
            on_click=_create_offer,
            args=(scope, form_key, proposal, versions),
        )


def _create_offer(scope: str, form_key: str, proposal: dict, versions: dict[str, int]) -> None:
    state = st.session_state
    record = {
        **proposal,
        "tilbud_id": (state.get(f"{form_key}_id") or "").strip(),
        "tittel": (state.get(f"{form_key}_tittel") or "").strip(),
        "tilbyder": (state.get(f"{form_key}_tilbyder") or "").strip(),
        "laeringsform": state.get(f"{form_key}_laeringsform"),
        "oppstart": state.get(f"{form_key}_oppstart").isoformat(),
        "kapasitet": str(state.get(f"{form_key}_kapasitet")),
        "min_deltakere": str(state.get(f"{form_key}_min")),
    }
    if not record["tilbyder"]:
        _say(scope, "error", T("broker_pool_provider_missing"))
        return
    current = access()
    created: list[str] = []
    _run(
        scope,
        "tilbud fra kursmulighet",
        lambda: created.append(brokering.offer_from_pool(engine(), record, versions, current)),
        T("broker_pool_done", offer=record["tilbud_id"] or "…", needs=len(versions)),
    )
    if created:
        _say(scope, "ok", T("broker_pool_done", offer=created[0], needs=len(versions)))
