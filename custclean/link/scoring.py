"""A Fellegi–Sunter match model that needs no training step and no labels.

For every comparison level the model holds two probabilities: *m*, how often a true match shows
that level, and *u*, how often two different people do. Their ratio is a Bayes factor; its
log2 is the level's ``weight``. A pair's ``score`` is the sum of its weights plus the prior
log-odds, and ``probability`` = 2^score / (1 + 2^score).

``MatchModel.estimate`` learns everything from the data it is given:

- **u** from records paired at random (a seeded sample: almost all different people), except
  the "exact" level, whose u is the chance that two random records share a value, from the
  value frequencies (sum of squared shares);
- **m** and the prior by expectation–maximisation on the blocked candidate pairs, starting from
  sane values and kept inside per-level bounds (a disagreeing first name or date of birth may
  never look common among matches). Because u describes random pairs, the prior that goes
  with it is the share of matches among *all* pairs (the share EM finds among the candidates
  times the candidates' share of all pairs; files under ``ALL_PAIRS_MIN_RECORDS`` records keep
  the share among candidates): a pair found only because it shares a key (a birthday, a
  name) needs more than that key to be a match;
- **term frequencies**: an exact agreement on a common value (Smith, John, London, an ``info``
  mailbox) weighs less than one on a rare value (Xiong), by log2(average share / this value's
  share), never below zero (sharing a value is never evidence against);
- optional ``labels`` (``source_row_l, source_row_r, is_match``) fix those pairs' posteriors
  in EM and add labelled non-matches to the u counts.

**Households.** Records of people who live or work together agree on surname, e-mail, phone,
address, postal code, city and company without being the same person, so those parts (role
``contact``) cannot tell a household from a duplicate. When the *identity* parts disagree —
different first names, different genders, dates of birth a generation apart (15 years or
more, or Jr / Sr) — the contact parts count only against a match, never for it; when first
name or gender disagree a shared date of birth does not count for it either (twins). This is
what keeps spouses, twins and parent / child apart even when they share everything else.
Dates of birth under 15 years apart cannot be a parent's and a child's: with one first name
as written (exact, swapped, a typo) they are a wrong date and weigh against the match by
their own m; with a nickname (William / Liam: a father and son), merely similar or missing
first names they are two people (siblings, spouses) and keep the rule. The pair's
``identity_conflict`` column says when it applied. (``find_duplicates`` also sends a pair
with no agreeing first name or birth date at all to review at most: see
``person_evidence``.)

How strong that rule is comes from the data: among the candidate pairs with the same surname,
address (or postal code) and date of birth, ``estimate`` counts how often the first names are
completely different. In customer lists that is rare (twins; well under 1 %), and the rule
holds. Above ``RELEASE_RATE`` (2 %) the different first names are recording noise, not
people (FEBRL's generator replaces values), and the model's ``released`` lists
``first_name``: a different first name with an agreeing date of birth and no clash of gender
is then no conflict, and weighs against the match by its EM-learned m (bounds loosened to
``_RELEASED_ELSE_BOUNDS``). Likewise ``dob``, when among the pairs with one first name,
surname and street address more than ``DOB_RELEASE_RATE`` (3 %) have dates a generation
apart (a parent and child of one name, both customers, are rarer than that).

Two disagreeing identity parts keep the rule, unless the data shows they come apart like
independent noise: with both parts released, among the pairs at one street address with
one surname, the pairs where first name *and* date of birth differ are counted against what
the two single rates predict together (their product). Households make that joint share
far higher (the demo data: thousands of times); recording noise keeps it near the product
(FEBRL: 0 to 0.8 times). At most ``JOINT_RELEASE_FACTOR`` (3) times the product,
``released`` also lists ``first_name+dob``: every disagreement of first name or date of
birth (one missing too) is weighed by its m, and ``person_evidence`` no longer caps a pair
at review: the list has no households to guard.

Example:
    >>> import polars as pl
    >>> from custclean.link.comparisons import compare, prepare
    >>> rec = prepare(pl.DataFrame({
    ...     "source_row": [1, 2, 3, 4],
    ...     "first_name": ["John", "Jon", "Mary", "Peter"],
    ...     "last_name": ["Smith", "Smith", "Smith", "Brown"],
    ...     "dob": ["1970-03-04", "1970-03-04", "1972-11-30", "1980-01-01"],
    ...     "email": ["js@x.com", "js@x.com", "js@x.com", "pb@y.com"],
    ... }))
    >>> pairs = compare(rec, pl.DataFrame({"source_row_l": [1, 1], "source_row_r": [2, 3]}))
    >>> model = MatchModel.estimate(pairs, rec, prior=0.5)
    >>> scored = model.score(pairs, rec)
    >>> [p > 0.9 for p in scored["probability"]], scored["identity_conflict"].to_list()
    ([True, False], [False, True])
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from custclean.link._cmp_context import PairContext
from custclean.link.comparisons import COMPARISONS, Comparison, compare

__all__ = ["MatchModel", "person_evidence"]

#: Random record pairs drawn to estimate u.
U_PAIRS = 200_000
#: Share given to a level never seen among the random pairs (pseudo-count).
_PSEUDO = 0.5
#: Limit of the term-frequency adjustment, in bits either way.
_TF_LIMIT = 10.0
#: Share of disagreements on one identity part, among candidate pairs that agree on the other
#: identity part, the surname and the address or postal code, above which such a single
#: disagreement is taken for recording noise (weighed by EM) rather than a household member.
RELEASE_RATE = 0.02
#: Share of dates of birth a generation apart among candidate pairs that agree on first name,
#: surname and address or postal code, above which such a date is taken for recording noise
#: rather than a parent and child of one name.
DOB_RELEASE_RATE = 0.03
#: How many times the share that independence predicts the pairs at one street address with
#: one surname may show *both* a different first name and a different date of birth, for the
#: two disagreements together to be taken for recording noise (``JOINT_RELEASE``). Recording
#: noise hits the two parts independently (FEBRL: 0 to 0.8 times the product); households
#: make the two go together (the demo data: thousands of times); 3 leaves room for the
#: sampling noise of a few dozen pairs.
JOINT_RELEASE_FACTOR = 3.0
#: The ``released`` entry that says both identity parts may disagree at once (see above).
JOINT_RELEASE = "first_name+dob"
#: Records from which the prior is the share of matches among all pairs, not among candidates.
ALL_PAIRS_MIN_RECORDS = 200
#: Fewest such strongly agreeing pairs needed before the share is trusted.
_RELEASE_MIN_PAIRS = 50
#: m-bounds of the "else" level of an identity part whose single disagreement is weighed.
_RELEASED_ELSE_BOUNDS = (1e-4, 0.5)


def _logit2(p: float) -> float:
    return math.log2(p / (1.0 - p))


@dataclass(frozen=True)
class MatchModel:
    """A fitted Fellegi–Sunter model: m, u per comparison level, prior, term frequencies.

    ``m`` and ``u`` map a comparison name to a tuple indexed by gamma (``m[name][0]`` is the
    "else" level). Build one with ``MatchModel.estimate``; use ``score``, ``explain_pair`` and
    ``parameters``.

    Example:
        >>> model = MatchModel.default()
        >>> model.parameters().filter(pl.col("comparison") == "dob")["level"].to_list()
        ['exact', 'day_month_swapped', 'one_digit_or_year_off', 'under_15_years', 'else']
    """

    comparisons: tuple[Comparison, ...]
    m: dict[str, tuple[float, ...]]
    u: dict[str, tuple[float, ...]]
    prior: float
    tf: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False)
    iterations: int = 0
    converged: bool = False
    pairs: int = 0
    released: tuple[str, ...] = ()

    # ---------------------------------------------------------------- construction
    @classmethod
    def default(
        cls, comparisons: Sequence[Comparison] = COMPARISONS, prior: float = 0.05
    ) -> MatchModel:
        """Return a model with the starting m-values and a flat u (for tests and fallbacks).

        Example:
            >>> MatchModel.default().prior
            0.05
        """
        m = {c.name: tuple(reversed(c.m_start)) for c in comparisons}
        u = {c.name: _flat_u(len(c.levels)) for c in comparisons}
        return cls(comparisons=tuple(comparisons), m=m, u=u, prior=prior)

    @classmethod
    def estimate(
        cls,
        gammas: pl.DataFrame,
        prepared: pl.DataFrame,
        *,
        labels: pl.DataFrame | None = None,
        prior: float | None = None,
        comparisons: Sequence[Comparison] = COMPARISONS,
        u_pairs: int = U_PAIRS,
        seed: int = 0,
        max_iterations: int = 60,
        tolerance: float = 1e-5,
    ) -> MatchModel:
        """Fit u (random pairs, value frequencies), then m and the prior by EM on ``gammas``.

        ``gammas``: the blocked candidate pairs from ``compare``. ``prepared``: every record
        (``prepare``). ``labels``: optional ``source_row_l, source_row_r, is_match``.
        ``prior``: fix the share of matches among candidates instead of learning it.
        Deterministic for a given ``seed``.

        Example:
            >>> from custclean.link.comparisons import compare, prepare
            >>> rec = prepare(pl.DataFrame({"source_row": [1, 2, 3],
            ...     "first_name": ["Ann", "Ann", "Bo"], "last_name": ["Lee", "Lee", "Lee"]}))
            >>> g = compare(rec, pl.DataFrame({"source_row_l": [1, 1], "source_row_r": [2, 3]}))
            >>> 0 < MatchModel.estimate(g, rec).prior < 1
            True
        """
        comparisons = tuple(comparisons)
        if prior is not None and not 0 < prior < 1:
            raise ValueError(f"prior must be strictly between 0 and 1, got {prior!r}")
        labelled = _labelled_gammas(labels, gammas, prepared, comparisons)
        u = _estimate_u(prepared, comparisons, u_pairs, seed, labelled)
        tf = _term_frequencies(prepared, comparisons)
        released = _released_parts(gammas, comparisons)
        start = cls(
            comparisons=comparisons, m={}, u=u, prior=prior or 0.05, tf=tf, released=released
        )
        start = _with_m(start, {c.name: tuple(reversed(c.m_start)) for c in comparisons})
        return _em(
            start,
            gammas,
            labelled,
            fixed_prior=prior,
            max_iter=max_iterations,
            tol=tolerance,
            candidate_share=_candidate_share(gammas.height, prepared),
        )

    # ---------------------------------------------------------------- weights
    def weights(self, name: str) -> tuple[float, ...]:
        """Return the log2 Bayes factor of each gamma (index = gamma) of comparison ``name``.

        Agreement levels are floored at 0: a partial agreement (a surname contained in a
        double surname, the same postal area) never counts against a match. The levels a
        comparison names ``against`` (dates of birth under 15 years apart) are disagreements:
        their weight may be negative, as the "else" level's.

        Example:
            >>> w = MatchModel.default().weights("first_name")
            >>> w[6] > 0 > w[0]
            True
        """
        raw = [math.log2(m / u) for m, u in zip(self.m[name], self.u[name], strict=True)]
        # an agreement level (gamma > 0) is never evidence against a match
        against = {
            c.gamma(level) for c in self.comparisons if c.name == name for level in c.against
        }
        return tuple(w if g == 0 or g in against else max(w, 0.0) for g, w in enumerate(raw))

    def parameters(self) -> pl.DataFrame:
        """Return one row per comparison level: ``comparison, level, gamma, m, u, weight``.

        Example:
            >>> p = MatchModel.default().parameters()
            >>> p.columns
            ['comparison', 'level', 'gamma', 'm', 'u', 'weight']
        """
        rows = []
        for c in self.comparisons:
            weights = self.weights(c.name)
            for level in c.levels:
                g = c.gamma(level)
                rows.append((c.name, level, g, self.m[c.name][g], self.u[c.name][g], weights[g]))
        return pl.DataFrame(
            rows,
            schema={
                "comparison": pl.String,
                "level": pl.String,
                "gamma": pl.Int8,
                "m": pl.Float64,
                "u": pl.Float64,
                "weight": pl.Float64,
            },
            orient="row",
        )

    # ---------------------------------------------------------------- scoring
    def score(self, gammas: pl.DataFrame, prepared: pl.DataFrame | None = None) -> pl.DataFrame:
        """Return ``gammas`` with weights, ``identity_conflict``, ``score`` and ``probability``.

        Adds ``weight_<name>`` (log2 Bayes factor, 0 when missing) per comparison.

        ``prepared`` supplies the values for the term-frequency adjustment (without it, every
        value is taken to be of average frequency).

        Example:
            >>> g = pl.DataFrame({"source_row_l": [1], "source_row_r": [2]}).with_columns(
            ...     [pl.lit(-1, dtype=pl.Int8).alias(c.column) for c in COMPARISONS])
            >>> out = MatchModel.default(prior=0.5).score(g)
            >>> out["score"].item(), out["probability"].item()
            (0.0, 0.5)
        """
        codes = _gamma_columns(gammas, self.comparisons)
        weights = self._raw_weights(gammas, codes)
        if prepared is not None:
            weights = self._tf_adjusted(weights, gammas, prepared, codes)
        gated, conflict = _gate_columns(
            [weights[c.name] for c in self.comparisons], codes, self.comparisons, self.released
        )
        total = _row_sum(gated, gammas.height) + _logit2(self.prior)
        probability = 1.0 / (1.0 + np.exp2(-np.clip(total, -1000, 1000)))
        return gammas.with_columns(
            *[
                pl.Series(f"weight_{c.name}", w, dtype=pl.Float64)
                for c, w in zip(self.comparisons, gated, strict=True)
            ],
            pl.Series("identity_conflict", conflict, dtype=pl.Boolean),
            pl.Series("score", total, dtype=pl.Float64),
            pl.Series("probability", probability, dtype=pl.Float64),
        )

    def _raw_weights(
        self, gammas: pl.DataFrame, codes: list[np.ndarray] | None = None
    ) -> dict[str, np.ndarray]:
        """Each comparison's weight per pair, looked up from its gamma (-1 → 0)."""
        codes = _gamma_columns(gammas, self.comparisons) if codes is None else codes
        return {
            c.name: np.array((0.0, *self.weights(c.name)))[g + 1]
            for c, g in zip(self.comparisons, codes, strict=True)
        }

    def _tf_adjusted(
        self,
        weights: dict[str, np.ndarray],
        gammas: pl.DataFrame,
        prepared: pl.DataFrame,
        codes: list[np.ndarray],
    ) -> dict[str, np.ndarray]:
        """Replace the weights of term-frequency levels by base + the left value's adjustment.

        Only the pairs at such a level look their value up (a gather and a join on them).
        """
        wanted = [
            (k, c)
            for k, c in enumerate(self.comparisons)
            if self.tf.get(c.name) is not None
            and c.tf_column is not None
            and c.tf_column in prepared.columns
        ]
        if not wanted:
            return weights
        records = prepared.select("source_row", *{c.tf_column for _, c in wanted})
        if records["source_row"].n_unique() < records.height:
            records = records.unique("source_row", keep="first", maintain_order=True)
        wanted_rows = gammas["source_row_l"].cast(pl.Int64).fill_null(np.iinfo(np.int64).min)
        rows = records["source_row"].cast(pl.Int64).to_numpy()
        (index,) = PairContext._locate(rows, (wanted_rows.to_numpy(),))
        for k, c in wanted:
            g = codes[k]
            levels = np.array([c.gamma(label) for label in c.tf_levels], dtype=g.dtype)
            hit = np.flatnonzero(np.isin(g, levels))
            if hit.size == 0:
                continue
            at = index[hit]
            values = records[c.tf_column].gather(pl.Series(at.clip(0)))
            adjust = (
                pl.DataFrame({"value": values})
                .join(self.tf[c.name], on="value", how="left", maintain_order="left")["adjust"]
                .fill_null(0.0)
                .to_numpy()
            )
            adjust = np.where(at >= 0, adjust, 0.0)
            base = np.array(self.weights(c.name))
            w = weights[c.name].copy()
            w[hit] = np.maximum(base[g[hit]] + adjust, 0.0)
            weights[c.name] = w
        return weights

    # ---------------------------------------------------------------- explanation
    def explain_pair(
        self, prepared: pl.DataFrame, row_a: int, row_b: int, gammas: pl.DataFrame | None = None
    ) -> pl.DataFrame:
        """Return how each comparison scored records ``row_a`` and ``row_b``, and the total.

        Columns ``comparison, value_a, value_b, level, weight, note``; a ``prior`` row first and
        a ``total`` row last (its ``level`` holds the probability).

        Example:
            >>> from custclean.link.comparisons import prepare
            >>> rec = prepare(pl.DataFrame({"source_row": [1, 2], "first_name": ["Bob", "Robert"]}))
            >>> t = MatchModel.default().explain_pair(rec, 1, 2)
            >>> t.filter(pl.col("comparison") == "first_name").select("value_a", "level").row(0)
            ('Bob', 'nickname')
            >>> t["comparison"].to_list()[-1]
            'total'
        """
        pair = pl.DataFrame({"source_row_l": [row_a], "source_row_r": [row_b]}).cast(pl.Int64)
        if gammas is None:
            gammas = compare(prepared, pair, self.comparisons)
        scored = self.score(gammas, prepared).row(0, named=True)
        raw = self._raw_weights(gammas)
        rec = {
            r: prepared.filter(pl.col("source_row") == r).head(1).to_dicts() for r in (row_a, row_b)
        }

        def value(row: int, c: Comparison) -> str | None:
            found = rec[row]
            if not found:
                return None
            parts = [
                str(found[0][f]) for f in c.display_fields if found[0].get(f) not in (None, "")
            ]
            return " / ".join(parts) or None

        rows: list[tuple[str, str | None, str | None, str, float, str]] = [
            (
                "prior",
                None,
                None,
                f"{self.prior:.4g}",
                _logit2(self.prior),
                "share of matches among candidates",
            )
        ]
        conflict = bool(scored["identity_conflict"])
        for c in self.comparisons:
            g = scored[c.column]
            weight = float(scored[f"weight_{c.name}"])
            note = c.note(g)
            if g is not None and g >= 0 and not math.isclose(weight, float(raw[c.name][0])):
                if conflict and weight == 0.0 and raw[c.name][0] > 0:
                    note += "; not counted: identity conflict (households share this)"
                else:
                    note += "; weighted by how common the value is"
            shown_a, shown_b = value(row_a, c), value(row_b, c)
            level, described = c.describe(g, shown_a, shown_b)
            if level == "not compared":
                note = described
            rows.append((c.name, shown_a, shown_b, level, weight, note))
        p = float(scored["probability"])
        rows.append(("total", None, None, f"p={p:.4f}", float(scored["score"]), _verdict(conflict)))
        return pl.DataFrame(
            rows,
            schema={
                "comparison": pl.String,
                "value_a": pl.String,
                "value_b": pl.String,
                "level": pl.String,
                "weight": pl.Float64,
                "note": pl.String,
            },
            orient="row",
        )

    # ---------------------------------------------------------------- display
    def __repr__(self) -> str:
        released = (
            f", single disagreement weighed on {list(self.released)}" if self.released else ""
        )
        return (
            f"MatchModel({len(self.comparisons)} comparisons, prior={self.prior:.4g}, "
            f"EM iterations={self.iterations}, converged={self.converged}, pairs={self.pairs}"
            f"{released})"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr>"
            + "".join(f"<td>{html.escape(str(v))}</td>" for v in row[:3])
            + "".join(f"<td>{v:.4g}</td>" for v in row[3:])
            + "</tr>"
            for row in self.parameters().rows()
        )
        return (
            f"<p>{html.escape(repr(self))}</p><table><tr><th>comparison</th><th>level</th>"
            f"<th>gamma</th><th>m</th><th>u</th><th>weight</th></tr>{rows}</table>"
        )


def _verdict(conflict: bool) -> str:
    if conflict:
        return "identity conflict: shared contact details did not count for a match"
    return "sum of the weights"


def _flat_u(k: int) -> tuple[float, ...]:
    """Return a rough u for k levels: 'else' 0.9, the rest sharing 0.1 (for ``default`` only)."""
    rest = 0.1 / (k - 1)
    return (0.9, *([rest] * (k - 1)))


def _gamma_matrix(gammas: pl.DataFrame, comparisons: Sequence[Comparison]) -> np.ndarray:
    return np.column_stack(
        [gammas[c.column].cast(pl.Int16).fill_null(-1).to_numpy() for c in comparisons]
    ).reshape(gammas.height, len(comparisons))


def _gamma_columns(gammas: pl.DataFrame, comparisons: Sequence[Comparison]) -> list[np.ndarray]:
    """Each comparison's gamma column as an Int16 numpy array (null → -1)."""
    return [gammas[c.column].cast(pl.Int16).fill_null(-1).to_numpy() for c in comparisons]


def _row_sum(columns: Sequence[np.ndarray], n: int) -> np.ndarray:
    """Return the sum of ``columns`` per row, bit for bit what ``matrix.sum(axis=1)`` gives.

    numpy adds a short contiguous row pairwise: eight running sums, combined as
    ``((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))``, then the leftovers one by one;
    fewer than eight values are added in order. Done column-wise here, without building the
    matrix (tests check it against numpy).
    """
    k = len(columns)
    if k == 0:
        return np.zeros(n)
    if k > 128:  # numpy splits longer rows recursively
        return np.column_stack(columns).sum(axis=1)
    if k < 8:
        total = np.full(n, -0.0)
        for column in columns:
            total = total + column
        return total
    r = list(columns[:8])
    i = 8
    while i + 8 <= k:
        r = [r[j] + columns[i + j] for j in range(8)]
        i += 8
    total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for column in columns[i:]:
        total = total + column
    return total


def _gate_columns(
    weights: Sequence[np.ndarray],
    codes: Sequence[np.ndarray],
    comparisons: Sequence[Comparison],
    released: Sequence[str] = (),
) -> tuple[list[np.ndarray], np.ndarray]:
    """Apply the household rule: drop positive contact weights under an identity conflict.

    A first name or gender that disagrees (gamma 0), or dates of birth a generation apart
    (or Jr / Sr; the dob "else" level), is an identity conflict; then the contact parts count
    only against a match. A disagreeing first name or gender also stops a shared date of
    birth from counting for it (twins). Dates of birth that differ by less than a generation
    (``under_15_years``) are a wrong date, not a parent and child: no conflict; their own
    weight counts against the match.

    Except for a *single* disagreement on a ``released`` part (see ``_released_parts``),
    with no clash of gender: a different first name with an agreeing date of birth, or (when
    ``dob`` is released) dates a generation apart with agreeing first names. That is no
    conflict; its "else" weight, learned by EM, counts against the match instead. With
    ``first_name+dob`` released, any disagreement of the two (together, or with the other
    missing) is weighed so, a clash of gender still being a conflict.
    """
    names = [c.name for c in comparisons]
    n = codes[0].shape[0] if codes else 0

    def code(name: str) -> np.ndarray:
        return codes[names.index(name)] if name in names else np.full(n, -1, dtype=np.int16)

    def disagree(name: str) -> np.ndarray:
        return code(name) == 0

    first, dob = code("first_name"), code("dob")
    levels = _identity_levels(comparisons)
    dob_agrees = dob >= levels["dob_agrees"]
    # dates under a generation apart are a wrong date, not parent and child, when the first
    # names are one name as written (exact, swapped, a typo); with a nickname (William /
    # Liam: a father and son), merely similar or missing first names they are two people
    # (siblings, spouses, parent and child) like dates a generation apart
    one_name = (first >= levels["same_name"]) & (first != levels["nickname"])
    dob_differs = (dob == 0) | ((dob >= 1) & ~dob_agrees & ~one_name)
    calm = ~disagree("gender")
    weighed_first = np.zeros(n, dtype=bool)
    weighed_dob = np.zeros(n, dtype=bool)
    if JOINT_RELEASE in released:
        # the data shows no households: every disagreement is weighed by its own m
        weighed_first = (first == 0) & calm
        weighed_dob = dob_differs & calm
    if "first_name" in released:
        weighed_first |= (first == 0) & dob_agrees & calm
    if "dob" in released:
        weighed_dob |= dob_differs & (first > 0) & calm
    person = (disagree("first_name") | disagree("gender")) & ~weighed_first
    conflict = person | (dob_differs & ~weighed_dob)
    out = []
    for w, c in zip(weights, comparisons, strict=True):
        if c.role == "contact":
            w = np.where(conflict, np.minimum(w, 0.0), w)
        elif c.name == "dob":
            w = np.where(person, np.minimum(w, 0.0), w)
        out.append(w)
    return out, conflict


def _identity_levels(comparisons: Sequence[Comparison]) -> dict[str, int]:
    """Return the gammas the household rule reads.

    ``dob_agrees``: the lowest at which two dates of birth agree (a typo at most);
    ``same_name``: the lowest at which two first names are one name (a typo at most);
    ``nickname``: the nickname level (one name, yet also a father and son's two names);
    ``similar_name``: two first names merely alike (Jamal / James).
    """
    out = {"dob_agrees": 99, "same_name": 99, "nickname": 99, "similar_name": 99}
    for c in comparisons:
        if c.name == "dob":
            out["dob_agrees"] = c.gamma("one_digit_or_year_off")
        elif c.name == "first_name":
            out["same_name"] = c.gamma("jaro_winkler>=0.92")
            out["nickname"] = c.gamma("nickname")
            out["similar_name"] = c.gamma("jaro_winkler>=0.80")
    return out


def person_evidence(
    gammas: pl.DataFrame,
    comparisons: Sequence[Comparison] = COMPARISONS,
    released: Sequence[str] = (),
) -> pl.Series:
    """Return, per pair, whether anything about the *person* agrees: first name or birth date.

    Surname, e-mail, phone, address are shared at home; a pair that agrees only on those
    (first names and dates of birth missing or different) may be two members of one
    household, however strong the shared contact details: ``find_duplicates`` sends such a
    pair to review at most. Two full first names that are merely alike (Jamal / James,
    Mary / Mary-Kate: the ``jaro_winkler>=0.80`` level) are no evidence of one person; an
    initial that fits is. A business is the exception: with no first name and no date of
    birth to compare, an agreeing company name is the customer's identity. ``released``: a
    model's ``released`` parts; with ``first_name+dob`` (the data shows no households) every
    pair counts as having evidence.

    Example:
        >>> g = pl.DataFrame({"gamma_first_name": [6, -1, -1, -1], "gamma_dob": [-1, 4, -1, -1],
        ...     "gamma_company": [-1, -1, -1, 2]})
        >>> person_evidence(g).to_list()
        [True, True, False, True]
    """
    if JOINT_RELEASE in released:
        # the data shows no households (see ``_independent``): nothing to keep apart
        return pl.Series("person_evidence", [True] * gammas.height, dtype=pl.Boolean)
    levels = _identity_levels(comparisons)
    names = {c.name: c.column for c in comparisons}

    def gamma(name: str) -> pl.Expr | None:
        column = names.get(name)
        return pl.col(column).fill_null(-1) if column in gammas.columns else None

    first, dob, company = gamma("first_name"), gamma("dob"), gamma("company")
    expr = pl.lit(False)
    if first is not None:
        # one name (exact, nickname, swapped, a typo) or an initial that fits it; two full
        # names merely alike (Mary / Mary-Kate, Jamal / James) are as likely two people
        expr = expr | ((first > 0) & (first != levels["similar_name"]))
    if dob is not None:
        expr = expr | (dob >= levels["dob_agrees"])
    if company is not None:
        nothing_personal = pl.lit(True)
        for part in (first, dob):
            if part is not None:
                nothing_personal = nothing_personal & (part < 0)
        expr = expr | (nothing_personal & (company > 0))
    return gammas.select(expr.alias("person_evidence")).to_series()


def _gate(
    weights: np.ndarray,
    codes: np.ndarray,
    comparisons: Sequence[Comparison],
    released: Sequence[str] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """``_gate_columns`` on a (pairs x comparisons) matrix (EM's patterns)."""
    k = len(comparisons)
    gated, conflict = _gate_columns(
        [weights[:, j] for j in range(k)], [codes[:, j] for j in range(k)], comparisons, released
    )
    return np.column_stack(gated).reshape(weights.shape), conflict


def _with_m(model: MatchModel, m: dict[str, tuple[float, ...]]) -> MatchModel:
    return MatchModel(
        comparisons=model.comparisons,
        m=m,
        u=model.u,
        prior=model.prior,
        tf=model.tf,
        iterations=model.iterations,
        converged=model.converged,
        pairs=model.pairs,
        released=model.released,
    )


def _released_parts(gammas: pl.DataFrame, comparisons: Sequence[Comparison]) -> tuple[str, ...]:
    """Return the identity parts whose single disagreement the data shows to be noise.

    Among the candidate pairs that agree on the surname, on the address or postal code and on
    the date of birth (genders not clashing), count how often the first names disagree.
    Household members rarely look like that (twins): customer lists show well under 1 %.
    Above ``RELEASE_RATE`` the disagreements are recording noise (a replaced value, as in
    FEBRL), so a single one is weighed by its learned m instead of switching the contact
    evidence off.

    Likewise among the pairs that agree on the first name too and on the street address (a
    postal code alone holds namesakes), how often the dates of birth are a generation apart:
    a parent and child of one name at one address, both customers, are a small share of such
    pairs (the demo data: none); above ``DOB_RELEASE_RATE`` the dates are noise.
    """
    names = {c.name: c for c in comparisons}
    need = ("first_name", "dob", "last_name", "address", "postal")
    if not all(n in names and names[n].column in gammas.columns for n in need):
        return ()

    def exact(name: str) -> pl.Expr:
        return pl.col(names[name].column) == names[name].gamma("exact")

    strong = exact("last_name") & (exact("address") | exact("postal"))
    if "gender" in names and names["gender"].column in gammas.columns:
        strong = strong & (pl.col(names["gender"].column).fill_null(-1) != 0)
    # namesakes share a postal code; a parent and child of one name share the street address
    home = strong & exact("address")
    out = []
    for part, other, rate, where in (
        ("first_name", "dob", RELEASE_RATE, strong),
        ("dob", "first_name", DOB_RELEASE_RATE, home),
    ):
        column = pl.col(names[part].column)
        row = gammas.select(
            (where & exact(other) & (column >= 0)).sum().alias("pairs"),
            (where & exact(other) & (column == 0)).sum().alias("disagree"),
        ).row(0)
        pairs, disagree = int(row[0] or 0), int(row[1] or 0)
        if pairs >= _RELEASE_MIN_PAIRS and disagree / pairs > rate:
            out.append(part)
    if len(out) == 2 and _independent(gammas, names, home):
        out.append(JOINT_RELEASE)
    return tuple(out)


def _independent(gammas: pl.DataFrame, names: dict[str, Comparison], home: pl.Expr) -> bool:
    """Whether different first names and different birth dates come apart, like noise.

    Among the candidate pairs at one street address with one surname (both identity parts
    present): the share whose first names differ while the dates agree exactly, times the
    share whose dates differ (a typo is agreement) while the first names agree exactly, is
    what independent recording errors give for both at once. Households (a spouse, a child)
    differ in both together, far above that product; a replaced value here and there stays
    near it. True when the observed count of both at once is at most
    ``JOINT_RELEASE_FACTOR`` times the product's.
    """
    levels = _identity_levels(tuple(names.values()))
    first = pl.col(names["first_name"].column)
    dob = pl.col(names["dob"].column)
    both = home & (first >= 0) & (dob >= 0)
    first_exact = first == names["first_name"].gamma("exact")
    dob_exact = dob == names["dob"].gamma("exact")
    first_differs, dob_differs = first == 0, dob < levels["dob_agrees"]
    row = gammas.select(
        both.sum().alias("pairs"),
        (both & dob_exact).sum().alias("dob_exact"),
        (both & dob_exact & first_differs).sum().alias("first_differs"),
        (both & first_exact).sum().alias("first_exact"),
        (both & first_exact & dob_differs).sum().alias("dob_differs"),
        (both & first_differs & dob_differs).sum().alias("joint"),
    ).row(0, named=True)
    counts = {k: int(v or 0) for k, v in row.items()}
    if min(counts["pairs"], counts["dob_exact"], counts["first_exact"]) < _RELEASE_MIN_PAIRS:
        return False
    expected = (
        counts["pairs"]
        * counts["first_differs"]
        / counts["dob_exact"]
        * counts["dob_differs"]
        / counts["first_exact"]
    )
    return counts["joint"] <= JOINT_RELEASE_FACTOR * expected


# -------------------------------------------------------------------- u and term frequencies
def _random_pairs(n: int, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    left = rng.integers(0, n, size=count)
    right = rng.integers(0, n - 1, size=count)
    right = np.where(right >= left, right + 1, right)
    return left, right


def _estimate_u(
    prepared: pl.DataFrame,
    comparisons: tuple[Comparison, ...],
    count: int,
    seed: int,
    labelled: pl.DataFrame | None,
) -> dict[str, tuple[float, ...]]:
    records = prepared
    n = records.height
    counts = {c.name: np.zeros(len(c.levels)) for c in comparisons}
    if n >= 2:
        left, right = _random_pairs(n, count, seed)
        rows = records["source_row"].cast(pl.Int64).sort()
        sample = pl.DataFrame(
            {"source_row_l": rows.gather(left), "source_row_r": rows.gather(right)}
        )
        sample = compare(records, sample, comparisons)
        for c in comparisons:
            counts[c.name] += _level_counts(sample[c.column], len(c.levels))
    if labelled is not None:
        non = labelled.filter(pl.col("is_match") == 0.0)
        for c in comparisons:
            counts[c.name] += _level_counts(non[c.column], len(c.levels))
    u = {}
    for c in comparisons:
        k = len(c.levels)
        exact = _sum_squared_shares(records[c.columns[0]]) if n else None
        raw = counts[c.name] + _PSEUDO
        if exact is None or exact <= 0:
            probs = raw / raw.sum()
        else:
            exact = min(exact, 0.999)
            rest = raw[: k - 1]
            probs = np.append(rest / rest.sum() * (1.0 - exact), exact)
        u[c.name] = tuple(float(p) for p in probs)
    return u


def _level_counts(column: pl.Series, k: int) -> np.ndarray:
    values = column.cast(pl.Int16).fill_null(-1).to_numpy()
    values = values[values >= 0]
    return np.bincount(values, minlength=k)[:k].astype(float)


def _sum_squared_shares(values: pl.Series) -> float | None:
    """Chance that two random records with a value share it (lists: first element)."""
    if values.dtype == pl.List(pl.String):
        values = values.list.first()
    counts = values.drop_nulls().value_counts()["count"].cast(pl.Float64)
    total = counts.sum()
    if not total or total < 2:
        return None
    return float(((counts * (counts - 1)).sum()) / (total * (total - 1))) or 1.0 / (total * total)


def _term_frequencies(
    prepared: pl.DataFrame, comparisons: tuple[Comparison, ...]
) -> dict[str, pl.DataFrame]:
    """Per comparison with a ``tf_column``: value → adjustment in bits (log2 average / share)."""
    out = {}
    for c in comparisons:
        if c.tf_column is None or c.tf_column not in prepared.columns:
            continue
        counts = prepared[c.tf_column].drop_nulls().value_counts(name="count")
        total = int(counts["count"].sum())
        if not total:
            continue
        share = pl.col("count").cast(pl.Float64) / total
        # the sum of squared shares, in integers: exact whatever order value_counts gives
        squares = int(counts["count"].cast(pl.Int64).pow(2).sum())
        average = float(squares) / float(total * total)
        out[c.name] = counts.select(
            pl.col(c.tf_column).alias("value"),
            (pl.lit(average) / share).log(2).clip(-_TF_LIMIT, _TF_LIMIT).alias("adjust"),
        ).sort("value", multithreaded=False)  # distinct values: one order; one thread is cheaper
    return out


# -------------------------------------------------------------------- EM
def _labelled_gammas(
    labels: pl.DataFrame | None,
    gammas: pl.DataFrame,
    prepared: pl.DataFrame,
    comparisons: tuple[Comparison, ...],
) -> pl.DataFrame | None:
    if labels is None or labels.height == 0:
        return None
    need = {"source_row_l", "source_row_r", "is_match"}
    if not need <= set(labels.columns):
        raise ValueError(f"labels need the columns {sorted(need)}, got {labels.columns}")
    pairs = labels.select(
        pl.min_horizontal("source_row_l", "source_row_r").cast(pl.Int64).alias("source_row_l"),
        pl.max_horizontal("source_row_l", "source_row_r").cast(pl.Int64).alias("source_row_r"),
        pl.col("is_match").cast(pl.Float64),
    ).unique(["source_row_l", "source_row_r"], keep="last", maintain_order=True)
    return compare(prepared, pairs, comparisons)


def _em(
    model: MatchModel,
    gammas: pl.DataFrame,
    labelled: pl.DataFrame | None,
    *,
    fixed_prior: float | None,
    max_iter: int,
    tol: float,
    candidate_share: float = 1.0,
) -> MatchModel:
    """EM on the candidate pairs; the prior it returns is the chance of a match among *all* pairs.

    u comes from random pairs, so the prior that goes with it is the share of matches among
    random pairs: the share among candidates (what EM counts) times the candidates' share of
    all pairs (``candidate_share``); the pairs blocking left out are taken for non-matches.
    A pair found only because it shares a key (the same birthday, the same name) then needs
    more than that key to be called a match.
    """
    comparisons = model.comparisons
    columns = [c.column for c in comparisons]
    frames = [gammas.select(columns).with_columns(pl.lit(None, dtype=pl.Float64).alias("fixed"))]
    if labelled is not None:
        frames.append(labelled.select(*columns, pl.col("is_match").alias("fixed")))
    patterns = _patterns(pl.concat(frames), comparisons)
    if patterns.height == 0:
        return model
    codes = _gamma_matrix(patterns, comparisons)
    counts = patterns["len"].cast(pl.Float64).to_numpy()
    fixed = patterns["fixed"].to_numpy().astype(float)
    prior = fixed_prior or model.prior
    m = {c.name: np.array(model.m[c.name]) for c in comparisons}
    log_u = {c.name: np.log2(np.array(model.u[c.name])) for c in comparisons}
    iterations, converged = 0, False
    for iterations in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        weights = np.column_stack(
            [
                np.where(
                    codes[:, k] >= 0,
                    np.log2(m[c.name])[codes[:, k].clip(0)] - log_u[c.name][codes[:, k].clip(0)],
                    0.0,
                )
                for k, c in enumerate(comparisons)
            ]
        )
        gated, _ = _gate(weights, codes, comparisons, model.released)
        total = gated.sum(axis=1) + _logit2(max(prior * candidate_share, 1e-12))
        post = 1.0 / (1.0 + np.exp2(-np.clip(total, -200, 200)))
        post = np.where(np.isnan(fixed), post, fixed)
        weight = post * counts
        change = 0.0
        for k, c in enumerate(comparisons):
            k_levels = len(c.levels)
            seen = codes[:, k] >= 0
            sums = np.bincount(codes[seen, k], weights=weight[seen], minlength=k_levels)[:k_levels]
            if sums.sum() <= 0:
                continue
            bounds = tuple(reversed(c.m_bounds))
            if c.name in model.released and bounds:
                bounds = (_RELEASED_ELSE_BOUNDS, *bounds[1:])
            new = _bounded(sums / sums.sum(), bounds)
            change = max(change, float(np.abs(new - m[c.name]).max()))
            m[c.name] = new
        if fixed_prior is None:
            new_prior = float(np.clip(weight.sum() / counts.sum(), 1e-6, 0.999))
            change = max(change, abs(new_prior - prior))
            prior = new_prior
        if change < tol:
            converged = True
            break
    return MatchModel(
        comparisons=comparisons,
        m={name: tuple(float(v) for v in values) for name, values in m.items()},
        u=model.u,
        prior=max(prior * candidate_share, 1e-12),
        tf=model.tf,
        iterations=iterations,
        converged=converged,
        pairs=gammas.height,
        released=model.released,
    )


def _candidate_share(candidates: int, prepared: pl.DataFrame) -> float:
    """Return the candidate pairs' share of all pairs of the records (1 for small inputs).

    Below ``ALL_PAIRS_MIN_RECORDS`` records the u of an exact agreement (from value
    frequencies) is mostly made of the duplicates themselves (three records of which two
    share an e-mail say a third of all pairs share one), so the prior stays the share among
    the candidates there.
    """
    n = prepared["source_row"].n_unique() if "source_row" in prepared.columns else 0
    every = n * (n - 1) // 2
    if n < ALL_PAIRS_MIN_RECORDS or candidates <= 0:
        return 1.0
    return min(1.0, candidates / every)


def _patterns(frame: pl.DataFrame, comparisons: tuple[Comparison, ...]) -> pl.DataFrame:
    """Return the distinct (gammas, fixed) rows of ``frame`` with their count ``len``, sorted.

    The gammas (-1 .. levels - 1) are packed into one integer, most significant comparison
    first, so grouping and sorting work on a single column; the order is the same as sorting
    on the gamma columns one by one.
    """
    columns = [c.column for c in comparisons]
    frame = frame.with_columns([pl.col(c).cast(pl.Int16).fill_null(-1) for c in columns])
    radix = [len(c.levels) + 1 for c in comparisons]
    span = frame.select(
        pl.min_horizontal([pl.col(c).min() for c in columns]).alias("low"),
        *[(pl.col(c).max() >= r - 1).alias(c) for c, r in zip(columns, radix, strict=True)],
    )
    packable = math.prod(radix) < 2**62 and not any(span.row(0)[1:])
    if not packable or (frame.height and span["low"].item() < -1):
        return frame.group_by([*columns, "fixed"]).len().sort([*columns, "fixed"], nulls_last=True)
    place = [math.prod(radix[k + 1 :]) for k in range(len(radix))]
    code = pl.sum_horizontal(
        [(pl.col(c).cast(pl.Int64) + 1) * p for c, p in zip(columns, place, strict=True)]
    )
    grouped = (
        frame.select(code.alias("_code"), "fixed")
        .group_by("_code", "fixed")
        .len()
        .sort("_code", "fixed", nulls_last=True)
    )
    packed = grouped["_code"].to_numpy()
    return pl.DataFrame(
        {
            c: pl.Series(packed // p % r - 1, dtype=pl.Int16)
            for c, p, r in zip(columns, place, radix, strict=True)
        }
    ).with_columns(grouped["fixed"], grouped["len"])


def _bounded(probs: np.ndarray, bounds: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Clip each probability into its bounds and rescale the free ones so they sum to 1."""
    lo = np.array([b[0] for b in bounds]) if bounds else np.full(len(probs), 1e-6)
    hi = np.array([b[1] for b in bounds]) if bounds else np.ones(len(probs))
    p = np.clip(probs, lo, hi)
    for _ in range(20):
        pinned = (p <= lo) | (p >= hi)
        free = ~pinned
        budget = 1.0 - p[pinned].sum()
        if not free.any() or p[free].sum() <= 0:
            break
        p = np.where(free, p / p[free].sum() * budget, p)
        clipped = np.clip(p, lo, hi)
        if np.allclose(clipped, p):
            break
        p = clipped
    return p / p.sum()
