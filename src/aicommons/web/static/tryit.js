// The try-it widget on a model's page: sends the form to the inference API and shows the answer, streaming
// generated text as the server sends it (server-sent events over fetch, so the request can carry a body).
(function () {
  "use strict";

  function csrfToken() {
    var field = document.querySelector('input[name="csrf_token"]');
    return field ? field.value : null;
  }

  function lines(text) {
    return text.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
  }

  function number(form, name) {
    var value = form.elements[name] && form.elements[name].value;
    return value === "" || value === undefined ? undefined : Number(value);
  }

  function parseTable(text) {
    var rows = lines(text).map(function (line) { return line.split(",").map(function (c) { return c.trim(); }); });
    if (rows.length < 2) { throw new Error("Give a header line and at least one row."); }
    var data = {};
    rows[0].forEach(function (column, i) {
      data[column] = rows.slice(1).map(function (row) {
        var cell = row[i];
        return cell === undefined || cell === "" ? null : (isNaN(Number(cell)) ? cell : Number(cell));
      });
    });
    return { data: data };
  }

  // what each task sends: {inputs, parameters, stream}
  var REQUESTS = {
    "text-generation": function (form) {
      var parameters = { max_new_tokens: number(form, "max_new_tokens"), temperature: number(form, "temperature"),
                         top_p: number(form, "top_p"), top_k: number(form, "top_k") };
      var stop = form.elements.stop.value;
      if (stop) { parameters.stop = [stop]; }
      return { inputs: form.elements.prompt.value, parameters: parameters, stream: true };
    },
    "fill-mask": function (form) {
      return { inputs: form.elements.masked.value, parameters: { top_k: number(form, "mask_top_k") } };
    },
    "text-classification": function (form) { return { inputs: form.elements.classify.value }; },
    "feature-extraction": function (form) { return { inputs: lines(form.elements.embed.value) }; },
    "sentence-similarity": function (form) {
      return { inputs: { source_sentence: form.elements.source.value, sentences: lines(form.elements.others.value) } };
    },
    "tabular-classification": function (form) { return { inputs: parseTable(form.elements.table.value) }; },
    "tabular-regression": function (form) { return { inputs: parseTable(form.elements.table.value) }; }
  };

  function table(rows, headers) {
    var element = document.createElement("table");
    element.className = "table compact";
    var head = element.createTHead().insertRow();
    headers.forEach(function (h) { var th = document.createElement("th"); th.textContent = h; head.appendChild(th); });
    var body = element.createTBody();
    rows.forEach(function (row) {
      var tr = body.insertRow();
      row.forEach(function (cell) { tr.insertCell().textContent = cell; });
    });
    return element;
  }

  function score(value) { return (100 * value).toFixed(1) + "%"; }

  // how each task's answer is shown (never as HTML: every string goes in as text)
  var SHOW = {
    "fill-mask": function (answer) {
      return table(answer.map(function (p) { return [p.token_str, score(p.score), p.sequence]; }),
                   ["Token", "Score", "Text"]);
    },
    "text-classification": function (answer) {
      return table(answer[0].map(function (p) { return [p.label, score(p.score)]; }), ["Label", "Score"]);
    },
    "sentence-similarity": function (answer, request) {
      return table(answer.map(function (s, i) { return [request.inputs.sentences[i], s.toFixed(4)]; }),
                   ["Sentence", "Cosine similarity"]);
    },
    "feature-extraction": function (answer, request) {
      var vectors = Array.isArray(answer[0]) ? answer : [answer];
      return table(vectors.map(function (v, i) {
        var flat = [].concat.apply([], v);
        return [request.inputs[i] || "", String(flat.length),
                flat.slice(0, 4).map(function (x) { return x.toFixed(4); }).join(", ") + ", …"];
      }), ["Input", "Values", "First values"]);
    },
    "tabular-classification": function (answer) {
      return table(answer.map(function (p, i) { return [String(i + 1), String(p)]; }), ["Row", "Prediction"]);
    }
  };
  SHOW["tabular-regression"] = SHOW["tabular-classification"];

  function setup(form) {
    var taskField = form.elements.task;
    var output = form.querySelector("[data-try-output]");
    var tableArea = form.querySelector("[data-try-table]");
    var status = form.querySelector("[data-try-status]");
    var stopButton = form.querySelector("[data-try-stop]");
    var running = null;

    function showTask() {
      form.querySelectorAll("fieldset[data-task]").forEach(function (fieldset) {
        fieldset.hidden = fieldset.getAttribute("data-task").split(" ").indexOf(taskField.value) < 0;
      });
    }
    if (taskField.tagName === "SELECT") { taskField.addEventListener("change", showTask); }
    showTask();

    function fail(message) {
      status.textContent = message;
      status.classList.add("try-error");
    }

    async function readStream(response) {
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) { return; }
        buffer += decoder.decode(chunk.value, { stream: true });
        var events = buffer.split("\n\n");
        buffer = events.pop();
        events.forEach(function (event) {
          if (event.indexOf("data: ") !== 0) { return; }
          var data = JSON.parse(event.slice(6));
          if (data.token) {
            output.textContent += data.token.text;
          } else if (data.details) {
            var d = data.details;
            status.textContent = d.generated_tokens + " tokens · " + (d.tokens_per_second || 0).toFixed(1) +
              " tokens/s · stopped: " + d.finish_reason;
          } else if (data.error) {
            fail(data.error);
          }
        });
      }
    }

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (running) { return; }
      var task = taskField.value;
      var request;
      try {
        request = Object.assign({ task: task }, REQUESTS[task](form));
      } catch (error) {
        fail(error.message);
        return;
      }
      output.textContent = "";
      output.hidden = task !== "text-generation";
      tableArea.textContent = "";
      status.textContent = "Running…";
      status.classList.remove("try-error");
      var headers = { "Content-Type": "application/json" };
      var csrf = csrfToken();
      if (csrf) { headers["X-CSRF-Token"] = csrf; }
      running = new AbortController();
      stopButton.hidden = !request.stream;
      try {
        var response = await fetch(form.getAttribute("data-endpoint"), {
          method: "POST", headers: headers, body: JSON.stringify(request), signal: running.signal,
          credentials: "same-origin" });
        if (!response.ok) {
          var body = await response.json().catch(function () { return {}; });
          var wait = response.headers.get("Retry-After");
          fail((typeof body.error === "string" ? body.error : "The request failed (" + response.status + ")") +
               (wait ? " Try again in " + wait + " s." : ""));
        } else if (request.stream) {
          await readStream(response);
        } else {
          tableArea.appendChild(SHOW[task](await response.json(), request));
          status.textContent = "";
        }
      } catch (error) {
        if (error.name === "AbortError") { status.textContent = "Stopped."; } else { fail(error.message); }
      } finally {
        running = null;
        stopButton.hidden = true;
      }
    });

    stopButton.addEventListener("click", function () { if (running) { running.abort(); } });
  }

  document.querySelectorAll("form.try-it").forEach(setup);
})();
