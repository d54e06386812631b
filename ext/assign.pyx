"""Routing: give each ticket, in queue order, to the eligible agent with the most spare capacity.

Eligible: the agent holds every required skill bit (unless the ticket has waited past the skills timeout)
and shares a language bit, and has spare capacity (capacity - load > 0; off-shift agents have capacity 0).
Ties: least recently assigned first, then lowest agent index. ``crossdesk.native.reference.assign`` is
the oracle.
"""

from libc.stdlib cimport free, malloc

from _types cimport epoch_t, int32_t, int64_t, uint8_t, uint64_t


cdef inline bint _better(int64_t spare_a, int64_t last_a, Py_ssize_t a,
                         int64_t spare_b, int64_t last_b, Py_ssize_t b) noexcept nogil:
    if spare_a != spare_b:
        return spare_a > spare_b
    if last_a != last_b:
        return last_a < last_b
    return a < b


def assign(
    const int64_t[::1] order,
    const uint64_t[::1] ticket_skills,
    const uint64_t[::1] ticket_langs,
    const uint8_t[::1] skills_waived,
    const uint64_t[::1] agent_skills,
    const uint64_t[::1] agent_langs,
    const int32_t[::1] capacity,
    const int32_t[::1] load,
    const int64_t[::1] last_assigned,
    int32_t[::1] out,
):
    """Write the agent index given to each ticket into ``out`` (int32[n]; -1 for none or not in order).

    Parameters
    ----------
    order : int64[m]
        Ticket indices in the order they are served; each at most once.
    ticket_skills, ticket_langs : uint64[n]
        Required skill bits and the ticket's language bits.
    skills_waived : uint8[n]
        1 where the ticket waited past the skills timeout: any agent sharing a language may take it.
    agent_skills, agent_langs : uint64[a]
    capacity, load : int32[a]
        Spare capacity is capacity - load.
    last_assigned : int64[a]
        When each agent last got a ticket; smaller is longer ago.
    out : int32[n]
    """
    cdef Py_ssize_t n = out.shape[0], na = agent_skills.shape[0], m = order.shape[0]
    cdef Py_ssize_t i, j, p, best, a
    cdef int64_t t, step = 0
    cdef uint64_t need, langs
    cdef Py_ssize_t* rankorder
    cdef int64_t* spare
    cdef int64_t* last
    for length in (ticket_skills.shape[0], ticket_langs.shape[0], skills_waived.shape[0]):
        if length != n:
            raise ValueError("every ticket column must have the same length as out")
    for length in (agent_langs.shape[0], capacity.shape[0], load.shape[0], last_assigned.shape[0]):
        if length != na:
            raise ValueError("every agent column must have the same length as agent_skills")
    for i in range(m):
        if order[i] < 0 or order[i] >= n:
            raise ValueError(f"order[{i}] = {order[i]} is not a ticket index")
    for i in range(n):
        out[i] = -1
    if na == 0 or m == 0:
        return
    rankorder = <Py_ssize_t*>malloc(na * sizeof(Py_ssize_t))
    spare = <int64_t*>malloc(na * sizeof(int64_t))
    last = <int64_t*>malloc(na * sizeof(int64_t))
    if rankorder == NULL or spare == NULL or last == NULL:
        free(rankorder)
        free(spare)
        free(last)
        raise MemoryError()
    with nogil:
        for a in range(na):
            spare[a] = <int64_t>capacity[a] - <int64_t>load[a]
            last[a] = last_assigned[a]
            if last[a] >= step:
                step = last[a] + 1
        # Agents kept sorted best first; a ticket takes the first eligible one, so the scan usually
        # stops early, and one assignment moves one agent a short way down the list.
        for a in range(na):
            j = a
            while j > 0 and _better(spare[a], last[a], a, spare[rankorder[j - 1]], last[rankorder[j - 1]],
                                    rankorder[j - 1]):
                rankorder[j] = rankorder[j - 1]
                j -= 1
            rankorder[j] = a
        for i in range(m):
            t = order[i]
            need = ticket_skills[t]
            if skills_waived[t]:
                need = 0
            langs = ticket_langs[t]
            best = -1
            for p in range(na):
                a = rankorder[p]
                if spare[a] <= 0:
                    break  # sorted by spare: nobody further down has room
                if (agent_skills[a] & need) == need and (agent_langs[a] & langs) != 0:
                    best = p
                    break
            if best < 0:
                continue
            a = rankorder[best]
            out[t] = <int32_t>a
            spare[a] -= 1
            last[a] = step
            step += 1
            # It now has less room and is the most recently assigned: it belongs after every agent with
            # spare >= its new spare.
            p = best
            while p + 1 < na and spare[rankorder[p + 1]] >= spare[a]:
                rankorder[p] = rankorder[p + 1]
                p += 1
            rankorder[p] = a
    free(rankorder)
    free(spare)
    free(last)
