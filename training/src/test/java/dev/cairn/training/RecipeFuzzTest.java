package dev.cairn.training;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** Run recipes ({@code cairn run start --recipe FILE}, a governed run's inputs): read, validated and digested. */
class RecipeFuzzTest {
    @FuzzTest(maxDuration = "5s")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void recipe(byte[] json) {
        FuzzRule.refusesCleanly(() -> {
            GovernedRun.RunRecipe r = GovernedRun.RunRecipe.read(FuzzFiles.write("recipe.json", json));
            r.digest();
            dev.cairn.model.ModelConfig c = r.recipe().modelConfig(256);
            c.toString();
        });
    }
}
