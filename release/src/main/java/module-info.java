/** The release room: model formats people load (safetensors, Hugging Face directories, GGUF), import, release bundles. */
module dev.cairn.release {
    requires transitive dev.cairn.training;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.yaml;
    requires jinjava;
    exports dev.cairn.release;
}
