/* 4.21/dm/privcmd.c: the model's Linux privcmd ioeventfd (the dom0 kernel's second consumer of a vcpu's ioreq
 * port), as the debugger shows it. Written for IOREQ Scope in its own words; the facts (names, order, checks,
 * return values) follow the source cited beside each function in the TypeScript model. */

@fn privcmd_ioeventfd_assign
/* privcmd_ioeventfd_assign -> alloc_ioreq: the device model's page and ports, each port bound again (shared irq). */
privcmd_ioeventfd_assign(k, of, addr, addr_len, vq, own_only)
{
    check addr_len and vcpus;  @check
    find the ioreq page's vma;  @vma
    bind the port to ioeventfd_interrupt (IRQF_SHARED);  @bind
}

@fn ioeventfd_interrupt
/* ioeventfd_interrupt: READY COPY writes marked INPROCESS; its own notify answered, any other put back READY. */
ioeventfd_interrupt(k, i, part)
{
    state READY, a COPY write? else IRQ_NONE;  @check
    (ownOnly) its own notify: cmpxchg READY -> INPROCESS;  @claim
    state = INPROCESS (under the lock);  @inprocess
    walk the ioeventfds: its own QUEUE_NOTIFY?;  @walk
    state = READY, or IORESP_READY and notify;  @write_back
}
