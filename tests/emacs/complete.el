;;; complete.el --- load a qwen-lsp config in Emacs, complete once, write the buffer  -*- lexical-binding: t; -*-

;; Run by tests/test_emacs.py as
;;   emacs --batch -l complete.el CLIENT CONFIG FILE LINE COLUMN OUT
;; CLIENT is `lsp-mode', `lsp-mode-inline' (ghost text, lsp-mode 10) or `eglot'.  The file is
;; opened in `python-mode' with point at LINE (1-based) and COLUMN, the client connects to
;; qwen-lsp, one completion is asked for and accepted the way a user would, and the buffer's
;; text is written to OUT.  Any failure exits non-zero with the reason on stderr.

(require 'cl-lib)

(defun qwen-test--wait (what probe &optional seconds)
  "Run the event loop until PROBE returns non-nil; fail naming WHAT after SECONDS."
  (let ((deadline (+ (float-time) (or seconds 30))))
    (while (not (funcall probe))
      (when (> (float-time) deadline)
        (error "Timed out waiting for %s" what))
      (accept-process-output nil 0.05))))

(defun qwen-test--lsp-mode (root)
  (require 'lsp-mode)
  (setq lsp-restart 'ignore)
  ;; The project root, as if the user had answered lsp-mode's import question.
  (lsp-workspace-folders-add root)
  (lsp)
  (qwen-test--wait "lsp-mode to initialize qwen-lsp"
                   (lambda ()
                     (cl-some (lambda (workspace)
                                (eq (lsp--workspace-status workspace) 'initialized))
                              (lsp-workspaces)))))

(defun qwen-test--eglot ()
  (require 'eglot)
  (call-interactively #'eglot)
  (qwen-test--wait "Eglot to initialize qwen-lsp"
                   (lambda ()
                     (let ((server (eglot-current-server)))
                       (and server (eglot--capabilities server))))))

(defun qwen-test--ghost-text ()
  "The text of the suggestion overlays: what the user sees as ghost text."
  (mapconcat (lambda (overlay) (or (overlay-get overlay 'after-string) ""))
             (overlays-in (point-min) (point-max)) ""))

(defun qwen-test--inline ()
  "Ghost text as lsp-mode's idle timer would ask for it, accepted with its key.
The server must offer it as ghost text only: no completion candidate as well."
  (when (lsp-feature? "textDocument/completion")
    (error "qwen-lsp offers completion candidates besides the ghost text"))
  (unless lsp-inline-completion-mode
    (error "`lsp-inline-completion-mode' is off"))
  (lsp-inline-completion-display)
  (when (string-empty-p (qwen-test--ghost-text))
    (error "No ghost text shown"))
  (message "ghost text: %S" (substring-no-properties (qwen-test--ghost-text)))
  (execute-kbd-macro (kbd "C-<return>")))

(let* ((args command-line-args-left)
       (client (intern (nth 0 args)))
       (config (nth 1 args))
       (file (nth 2 args))
       (line (string-to-number (nth 3 args)))
       (column (string-to-number (nth 4 args)))
       (out (nth 5 args)))
  (setq command-line-args-left nil)
  (package-activate-all)  ; the packages' autoloads, as in an interactive Emacs
  (let ((checkout (getenv "QWEN_TEST_LSP_MODE_DIR")))  ; another lsp-mode than the installed one
    (when checkout
      (push checkout load-path)
      (push (expand-file-name "clients" checkout) load-path)))
  (load config nil t)
  (find-file file)
  (python-mode)
  (goto-char (point-min))
  (forward-line (1- line))
  (move-to-column column)
  (pcase client
    ('eglot (qwen-test--eglot))
    (_ (qwen-test--lsp-mode (file-name-directory file))))
  (if (eq client 'lsp-mode-inline)
      (qwen-test--inline)
    (completion-at-point))
  (write-region (point-min) (point-max) out nil 'silent)
  (kill-emacs 0))
