package archive

import "syscall"

// mapPopulate faults a mapping in when it is made: one call rather than a
// fault per page as it is read.
const mapPopulate = syscall.MAP_POPULATE
