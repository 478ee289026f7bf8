"""Stop words: one home for the three lists that keyword queries, retrieval and the reader use.

They differ on purpose, and each is measured as it stands (changing one moves the dev figures):
the keyword index drops English function words from free text; retrieval also drops the
scaffolding of questions about the news ("according to the report"); the reader compares
question and sentence words, where reporting verbs and time words ("said", "last week") say
nothing about which candidate is right, while some function words ("between", "against") do.
"""

from __future__ import annotations

# English function words (the classic IR list).
FUNCTION_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    out over own same she should so some such than that the their theirs them then there these
    they this those through to too under until up very was we were what when where which while
    who whom why will with would you your yours""".split()  # noqa: SIM905 (a word list reads best as prose)
)

# Question scaffolding that bm25 would otherwise match in thousands of chunks.
QUERY_STOPWORDS = FUNCTION_WORDS | frozenset(
    """ourselves themselves yourself yourselves whose according article articles report
    reported reports""".split()  # noqa: SIM905
)

# Words that tell the reader nothing about which sentence or candidate answers a question.
READER_STOPWORDS = frozenset(
    """a an the this that these those is are was were be been being am do does did doing have
    has had having will would shall should can could may might must of in on at to for from by
    with about as into onto over under after before during since until than then so such and or
    but nor not no if while when where which who whom whose what why how it its it's he him his
    she her hers they them their theirs we us our you your i me my mine there here also just
    only very more most much many some any all each every other another one said says say
    according recently week year new first last now get got make made""".split()  # noqa: SIM905
)
