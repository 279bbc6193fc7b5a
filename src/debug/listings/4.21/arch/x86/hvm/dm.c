/* 4.21/arch/x86/hvm/dm.c: the model's xen/arch/x86/hvm/dm.c of RELEASE-4.21.0, as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn dm_op
/* dm_op (dm.c:325-640), x86. */
dm_op(domid, op)
{
    lock;  @lock
    is hvm;  @is_hvm
    xsm;  @xsm
    op;  @op
    pad;  @pad
    map mem type;  @map_mem_type
    common;  @common
}
