/* 4.21/dm/varstored.c: the model's varstored's ioreq set-up and loop, as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn varstored_initialize
/* varstored_initialize: create (bufioreq off), map frame 1, enable, bind the vcpus, io_port_initialize. */
varstored_initialize(dm)
{
    create;  @create
    map;  @map
    enable;  @enable
    bind;  @bind
    io port;  @io_port
}

@fn varstored_poll_iopage
/* varstored_poll_iopage: serve vcpu i. */
varstored_poll_iopage(dm, i, respond)
{
    poll;  @poll
}
