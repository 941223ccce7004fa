package dev.cairn.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplateTest {
    /** ChatML, as Hugging Face models carry it (whitespace control included). */
    static final String CHATML = "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
            + "{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

    @Test
    void rendersAsTransformersApplyChatTemplateDoes() {
        ChatTemplate t = new ChatTemplate(CHATML, "<s>", "</s>");
        List<ChatTemplate.Message> ms = List.of(new ChatTemplate.Message("system", "Be brief."), new ChatTemplate.Message("user", "Who is Romeo?"));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWho is Romeo?<|im_end|>\n<|im_start|>assistant\n", t.render(ms, true));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWho is Romeo?<|im_end|>\n", t.render(ms, false));
        ChatTemplate bos = new ChatTemplate("{{ bos_token }}{% for m in messages %}[{{ m.role|upper }}] {{ m.content }}{{ eos_token }}{% endfor %}", "<s>", "</s>");
        assertEquals("<s>[USER] hi</s>", bos.render(List.of(new ChatTemplate.Message("user", "hi")), true));
    }

    @Test
    void aDirectoryCarriesItsTemplateAndABrokenOneIsRefused(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"tokenizer_class\":\"PreTrainedTokenizerFast\",\"eos_token\":\"<|endoftext|>\"}");
        assertTrue(ChatTemplate.of(dir).isEmpty());
        ChatTemplate.attach(dir, CHATML);
        assertEquals(CHATML, ChatTemplate.of(dir).orElseThrow().source());
        String before = Files.readString(dir.resolve("tokenizer_config.json"));
        assertThrows(IllegalArgumentException.class, () -> ChatTemplate.attach(dir, "{% for m in messages %}{{ m.content }"));
        assertEquals(before, Files.readString(dir.resolve("tokenizer_config.json")), "a refused template leaves the file as it was");
    }
}
