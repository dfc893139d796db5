"""French stop words, accent-folded and lowercase (compared after folding, before stemming).

Kept out on purpose: words that carry meaning in a data catalogue (non, sans, nombre, total) and "est"
(the Grand Est region, the cardinal point: its low IDF already makes the verb harmless).
"""

from __future__ import annotations

_WORDS = """
    a afin ai aie aient aies ait alors as au aucun aucune aupres auquel aura aurai auraient aurais aurait
    auras aurez auriez aurions aurons auront aussi autre autres aux auxquelles auxquels avaient avais
    avait avant avec avez aviez avions avoir avons ayant ayez ayons
    ainsi apres
    c ca car ce ceci cela celle celles celui cependant ces cet cette ceux chaque chez comme comment
    d dans de deja depuis des desquelles desquels donc dont du duquel
    elle elles en encore entre es et etaient etais etait etant etc ete etes etiez etions etre eu
    eue eues eumes eurent eus eusse eut eux
    fait faites fut furent
    ici il ils
    j je jusqu jusque
    l la laquelle le lequel les lesquelles lesquels leur leurs lors lorsque lui
    m ma mais me meme memes mes moi mon
    n ne ni nos notre nous
    on ont or ou
    par parce pas pendant peu peut plus pour pourquoi puis puisque
    qu quand que quel quelle quelles quels qui quoi
    s sa se selon sera serai seraient serais serait seras serez seriez serions serons seront
    ses si sien sienne soi soient sois soit sommes son sont sous suis sur
    t ta tandis te tel telle telles tels tes toi ton tous tout toute toutes tres tu
    un une unes uns
    vers via voici voila vos votre vous
    y
"""

FRENCH_STOP_WORDS: frozenset[str] = frozenset(_WORDS.split())
