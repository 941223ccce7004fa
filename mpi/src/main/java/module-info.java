/** Open MPI reached through the FFM API: ranks for data-parallel training. */
module dev.cairn.mpi {
    requires transitive dev.cairn.training;
    exports dev.cairn.mpi;
}
